/// The general help, the version and the exit codes; each command's help comes from its `CommandSpec`.
enum Help {
    static let version = "retention 0.1.0"

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
          audit      check that every promise holds: what is kept past its period, since when, why
          coverage   list personal-looking columns that no rule or subject target covers
          hold       place, release and list legal holds
          migrate    create or upgrade the engine's own schema
          extract    write a person's register extract (every row the subjects map finds) as JSON
          grants     print the SQL of a least-privilege role for a policy
          plan       show what a contract termination will do to one tenant's data
          replay     re-apply recorded erasures after a database restore
          report     write the compliance report for one tenant
          request    file, list, plan, extend, cancel data subjects' erasure requests; receipts
          run        delete, pseudonymise or aggregate what the policy says is due
          schedule   write the retention schedule and the record of processing from the policy
          validate   check a policy file, and the live schema when a connection is configured

        Options:
          -V, --version            output version information, then exit
          -?, --help               show this help, then exit

        Run "retention COMMAND --help" for a command's options.

        \(exitCodes)
        """

    /// The help of `command`, made from the table it is parsed by.
    static func text(for command: String) -> String? {
        Commands.specs.first { $0.name == command }?.help
    }
}
