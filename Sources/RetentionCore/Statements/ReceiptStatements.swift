/// The SQL of an erasure receipt: each target's latest recorded outcome for the request, with
/// what every run's batches changed in it.
enum ReceiptStatements {
    /// `$1` request: target, category, action, affected (all runs), kept, held back, blocked, basis, kept until.
    static let latestTargets = """
        SELECT t.target, t.category, t.action,
               (SELECT coalesce(sum(b.affected), 0)::bigint FROM retention.request_batch_results b
                WHERE b.request_id = t.request_id AND b.target = t.target),
               t.kept, t.held_back, t.blocked, t.basis, t.kept_until
        FROM (SELECT DISTINCT ON (target) * FROM retention.request_target_results WHERE request_id = $1::bigint
              ORDER BY target, recorded_at DESC) t
        ORDER BY (SELECT min(recorded_at) FROM retention.request_target_results f WHERE f.request_id = t.request_id AND f.target = t.target), t.target
        """
}
