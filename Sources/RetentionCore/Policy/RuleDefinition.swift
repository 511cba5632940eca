/// A rule's definition as JSON, recorded with each run so that reports can say what was done.
/// It names columns and strategies, never values.
extension Rule {
    public var definitionJSON: JSONValue {
        var members: [(String, JSONValue)] = [
            ("after", .string(due.after.description)),
            ("from", .array(due.anchors.map { .string($0.description) })),
            ("align", .optionalString(due.align?.rawValue)),
            ("tenantColumn", .optionalString(tenantColumn)),
            ("partitions", .string(partitions.rawValue)),
        ]
        if let term = due.perTenant {
            members.append(("perTenant", .members([("column", .string(term.column)), ("unit", .string(term.unit.rawValue)),
                                                   ("min", .string(term.min.description)), ("max", .string(term.max.description))])))
        }
        switch action {
        case .delete:
            break
        case let .pseudonymise(spec):
            members.append(("columns", .array(spec.columns.map { .members([("column", .string($0.column)), ("strategy", .string($0.strategy.rawValue))]) })))
            members.append(("marker", .string(spec.marker)))
        case let .aggregate(spec):
            members.append(("into", .string(spec.into.description)))
            members.append(("bucket", .string(spec.bucketUnit.rawValue)))
            members.append(("dimensions", .array(spec.dimensions.map(JSONValue.string))))
        case let .purgeFiles(files):
            members.append(("directory", .string(files.directory)))
            members.append(("glob", .string(files.glob)))
        case let .expireBackups(spec):
            members.append(("stanza", .string(spec.stanza)))
            members.append(("config", .optionalString(spec.config)))
            members.append(("repo", .int(spec.repo)))
        }
        return .members(members)
    }
}
