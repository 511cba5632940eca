@testable import RetentionCore
import Testing

/// `pgbackrest info --output=json` as pgBackRest 2.45 prints it (trimmed to the fields read):
/// full F1 with a differential and an incremental on it, full F2 with an incremental.
private let info = """
    [{"archive": [{"database": {"id": 1, "repo-key": 1}, "id": "15-1", "max": "00000001000000000000000A", "min": "000000010000000000000001"}],
      "backup": [
        {"archive": {"start": "000000010000000000000002", "stop": "000000010000000000000002"}, "label": "F1", "prior": null, "reference": null,
         "timestamp": {"start": 100, "stop": 106}, "type": "full"},
        {"archive": {"start": "000000010000000000000004", "stop": "000000010000000000000004"}, "label": "F1_D1", "prior": "F1", "reference": ["F1"],
         "timestamp": {"start": 200, "stop": 202}, "type": "diff"},
        {"archive": {"start": "000000010000000000000005", "stop": "000000010000000000000006"}, "label": "F1_I1", "prior": "F1_D1", "reference": ["F1", "F1_D1"],
         "timestamp": {"start": 300, "stop": 305}, "type": "incr"},
        {"archive": {"start": "000000010000000000000007", "stop": "000000010000000000000008"}, "label": "F2", "prior": null, "reference": null,
         "timestamp": {"start": 400, "stop": 406}, "type": "full"},
        {"archive": {"start": "000000010000000000000009", "stop": "00000001000000000000000A"}, "label": "F2_I2", "prior": "F2", "reference": ["F2"],
         "timestamp": {"start": 500, "stop": 502}, "type": "incr"}],
      "name": "main", "status": {"code": 0, "message": "ok"}}]
    """

@Suite("expire-backups: the plan from pgbackrest info")
struct BackupPlanTests {
    @Test("a due full backup goes with every set that depends on it, young ones too; nothing else is named")
    func dependentsGoWithTheirFull() throws {
        let repository = try RepositoryInfo.parse(info, stanza: "main")
        let plan = BackupExpiry.Plan(repository, cutoff: 200)
        #expect(plan.roots.map(\.set.label) == ["F1"])
        #expect(plan.roots.first?.dependents.map(\.label) == ["F1_D1", "F1_I1"])
        #expect(plan.keptLastFull == nil)
        #expect(plan.outcomes(.expired).map(\.with) == [nil, "F1", "F1"])
        #expect(BackupExpiry.Plan(repository, cutoff: 100).roots.isEmpty, "a set that starts at the cutoff is not due")
    }

    @Test("the last full backup, when due, is kept with what depends on it; the older ones still go")
    func lastFullIsKept() throws {
        let repository = try RepositoryInfo.parse(info, stanza: "main")
        let plan = BackupExpiry.Plan(repository, cutoff: 1000)
        #expect(plan.roots.map(\.set.label) == ["F1"])
        #expect(plan.keptLastFull?.set.label == "F2")
        #expect(plan.keptLastFull?.dependents.map(\.label) == ["F2_I2"])
        #expect(plan.outcomes(.expired).map(\.state) == [.expired, .expired, .expired, .kept, .kept])
    }

    @Test("WAL older than the oldest backup's first segment is named; WAL from it on is not")
    func walBeforeTheOldestBackup() throws {
        var repository = try RepositoryInfo.parse(info, stanza: "main")
        #expect(repository.walOlderThanOldestBackup.map(\.id) == ["15-1"])
        repository.archives[0].oldest = "000000010000000000000002"
        #expect(repository.walOlderThanOldestBackup.isEmpty)
        repository.sets = []
        #expect(repository.walOlderThanOldestBackup.map(\.id) == ["15-1"], "with no backup left, any WAL is too old")
    }

    @Test("a stanza pgBackRest reports as broken, or that info does not list, is an error with pgBackRest's words")
    func brokenStanza() throws {
        let missing = #"[{"archive": [], "backup": [], "name": "main", "status": {"code": 1, "message": "missing stanza path"}}]"#
        #expect(throws: RepositoryInfo.ParseError.self) { try RepositoryInfo.parse(missing, stanza: "main") }
        #expect(throws: RepositoryInfo.ParseError.self) { try RepositoryInfo.parse(info, stanza: "other") }
        let noBackups = #"[{"archive": [], "backup": [], "name": "main", "status": {"code": 2, "message": "no valid backups"}}]"#
        #expect(try RepositoryInfo.parse(noBackups, stanza: "main").sets.isEmpty)
    }
}
