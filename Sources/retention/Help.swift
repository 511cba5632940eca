/// `--help` texts in the style of PostgreSQL's tools: purpose, usage, options, exit codes.
enum Help {
    static let version = "retention 0.1.0"

    static let connectionOptions = """
        Connection options:
          --database-url=URL       connection URL (default: $DATABASE_URL, else libpq's PG* variables)

        A password written in --database-url can be read by other users of the machine in
        /proc/PID/cmdline for as long as the command runs. Keep it out of the command line:
        use a password file (PGPASSFILE, ~/.pgpass), a service file (PGSERVICE), or systemd's
        LoadCredential= as the shipped unit in Deploy/systemd does.
        """

    static let exitCodes = """
        Exit status:
          0   every rule succeeded
          1   a rule failed, or the run stopped early and due rows are left
          2   usage or policy error; nothing was done
          75  another run holds the lock; nothing was done
        """

    static let main = """
        retention enforces a data-retention policy on a PostgreSQL database.

        Usage:
          retention COMMAND [OPTION]...

        Commands:
          hold       place, release and list legal holds
          migrate    create or upgrade the engine's own schema
          grants     print the SQL of a least-privilege role for a policy
          plan       show what a contract termination will do to one tenant's data
          replay     re-apply recorded erasures after a database restore
          report     write the compliance report for one tenant
          run        delete, pseudonymise or aggregate what the policy says is due
          validate   check a policy file, and the live schema when a connection is configured

        Options:
          -V, --version            output version information, then exit
          -?, --help               show this help, then exit

        Run "retention COMMAND --help" for a command's options.

        \(exitCodes)
        """

    static let validate = """
        retention validate checks a policy file: its format, and, when a connection is
        configured, every rule against the live schema. Nothing is changed.

        Usage:
          retention validate --policy=FILE [OPTION]...

        Options:
          --policy=FILE            the policy file (JSON)
          -?, --help               show this help, then exit

        \(connectionOptions)

        \(exitCodes)
        """

    static let migrate = """
        retention migrate creates or upgrades the engine's own schema ("retention") in the
        target database. Applied migrations are recorded with a checksum; a second run does nothing.

        Usage:
          retention migrate [OPTION]...

        Options:
          --migrations-dir=DIR     the numbered SQL files (default: found beside the binary)
          -?, --help               show this help, then exit

        \(connectionOptions)

        \(exitCodes)
        """

    static let run = """
        retention run enforces a policy: rows that are due are deleted, pseudonymised or
        aggregated in short batches, legal holds are respected, and a report is written.

        Usage:
          retention run --policy=FILE [OPTION]...

        Options:
          --as-of=TIME             compute cutoffs as of TIME (ISO 8601; default: the database's now())
          --batch-size=N           at most N rows in one batch (default: sized to a short transaction)
          --concurrency=N          connections working at once (default: 4)
          --dry-run                count what is due in READ ONLY transactions; change nothing
          --log-format=FORMAT      text or json: log lines on stderr as JSON objects (journald)
          --max-runtime=DURATION   stop starting batches after DURATION (90s, 30m, 2h, PT2H)
          --metrics-file=FILE      write Prometheus metrics to FILE (node exporter textfile collector)
          --pause=MS               sleep MS milliseconds between batches
          --policy=FILE            the policy file (JSON)
          --pseudonym-key-file=FILE  the secret key for hmac pseudonyms (default: $RETENTION_PSEUDONYM_KEY_FILE)
          --report=FILE            also write the JSON report to FILE
          --rule=NAME              run only rule NAME (repeatable)
          --state-dir=DIR          reports and erasure ledger (default: $STATE_DIRECTORY, else /var/lib/retention)
          --tenant=ID              touch only the rows of tenant ID (rules tied to tenants only)
          -?, --help               show this help, then exit

        \(connectionOptions)

        \(exitCodes)
        """

    static let hold = """
        retention hold places, releases and lists legal holds. A held tenant's rows are kept
        from every rule (or the one named) until the hold is released. Holds are never deleted.

        Usage:
          retention hold add --tenant=ID --reason=TEXT --policy=FILE [--rule=NAME] [--by=NAME]
          retention hold release ID [--by=NAME]
          retention hold list [--all] [--format=text|json]

        Options:
          --all                    list released holds too
          --by=NAME                who places or releases the hold (default: the login name)
          --format=FORMAT          text or json (default: text)
          --policy=FILE            the policy whose tenants table the tenant must exist in
          --reason=TEXT            why the data is held: a case number, a decision
          --rule=NAME              hold only this rule (default: every rule)
          --tenant=ID              the tenant to hold
          -?, --help               show this help, then exit

        `hold add` prints the new hold's id alone on stdout.

        \(connectionOptions)

        \(exitCodes)
        """

    static let plan = """
        retention plan shows what a contract termination will do to one tenant's data: for each
        rule, how many rows are deleted, pseudonymised or aggregated and on which date, what is
        kept and why, and the legal holds in force. It only reads.

        Usage:
          retention plan --policy=FILE --tenant=ID [OPTION]...

        Options:
          --format=FORMAT          text or json (default: text)
          --out=FILE               write to FILE instead of stdout
          --policy=FILE            the policy file (JSON)
          --tenant=ID              the tenant
          --terminate-at=TIME      plan as if terminated at TIME (default: now; a recorded
                                   termination always wins)
          -?, --help               show this help, then exit

        \(connectionOptions)

        \(exitCodes)
        """

    static let report = """
        retention report writes the compliance report for one tenant's Owner from the recorded
        runs: what was removed, under which rule and basis, when; the legal holds; what is kept
        because other records need it; what is scheduled next; and whether the audit trail of
        run reports is whole. It contains counts only, never personal data.

        Usage:
          retention report --tenant=ID [OPTION]...

        Options:
          --format=FORMAT          json, md or html (default: json)
          --from=TIME              only batches at or after TIME (ISO 8601)
          --out=FILE               write to FILE instead of stdout
          --policy=FILE            also show what is scheduled next for the tenant
          --state-dir=DIR          where the run reports are (default: $STATE_DIRECTORY, else /var/lib/retention)
          --tenant=ID              the tenant
          --to=TIME                only batches before TIME (ISO 8601)
          -?, --help               show this help, then exit

        \(connectionOptions)

        \(exitCodes)
        """

    static let replay = """
        retention replay re-applies, after a database restore, every erasure recorded in the
        erasure ledger since the backup was taken: the same rule for the same tenant, whatever the
        restored rows say. Run it after every restore, before the application is let back in.

        Usage:
          retention replay --policy=FILE --since=TIME [OPTION]...

        Options:
          --concurrency=N          connections working at once (default: 4)
          --dry-run                count what would be erased again; change nothing
          --policy=FILE            the policy file (JSON)
          --pseudonym-key-file=FILE  the secret key for hmac pseudonyms
          --since=TIME             when the restored backup was taken (ISO 8601)
          --state-dir=DIR          where erasures.jsonl is (default: $STATE_DIRECTORY, else /var/lib/retention)
          -?, --help               show this help, then exit

        \(connectionOptions)

        \(exitCodes)
        """

    static let grants = """
        retention grants prints the SQL of a role that can do exactly what a policy needs and
        nothing else. Run the output as the owner of the tables, then run the engine as that role.

        Usage:
          retention grants --policy=FILE [--role=NAME] [OPTION]...

        Options:
          --policy=FILE            the policy file (JSON)
          --role=NAME              the role to create and grant to (default: retention_engine)
          -?, --help               show this help, then exit

        \(connectionOptions)

        \(exitCodes)
        """

    static func text(for command: String) -> String? {
        switch command {
        case "grants": return grants
        case "replay": return replay
        case "report": return report
        case "plan": return plan
        case "hold": return hold
        case "validate": return validate
        case "migrate": return migrate
        case "run": return run
        default: return nil
        }
    }
}
