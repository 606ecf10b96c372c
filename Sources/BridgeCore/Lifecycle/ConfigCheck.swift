import AsyncHTTPClient
import Foundation

/// `appwrite-bridge check` (like `nginx -t`): validate the file, resolve secrets, check every
/// instance, and say in the exit status whether all is well.
public enum ConfigCheck {
    public enum Outcome: Int32, Sendable {
        case allOK = 0
        case invalidFile = 1
        case instanceNotOK = 2
    }

    public static func run(
        configPath: String,
        offline: Bool,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> (outcome: Outcome, report: String) {
        let config: BridgeConfig
        do {
            config = try ConfigLoader(environment: environment).load(path: configPath)
        } catch {
            return (.invalidFile, "\(error.description)\n")
        }
        // `serve` refuses to start without its outbox, so a config it cannot run is not valid.
        if let problem = OutboxStore.problemOpening(path: config.outbox.databasePath) {
            let error = ConfigError(
                file: configPath,
                path: "state_dir",
                message: "cannot open the outbox database \(config.outbox.databasePath): \(problem) (set state_dir to a writable folder)"
            )
            return (.invalidFile, "\(error.description)\n")
        }
        var rows: [(InstanceConfig, InstanceHealth?)] = config.instances.map { ($0, nil) }
        if !offline {
            let httpClient = AppwriteClient.makeHTTPClient()
            let checker = InstanceChecker(client: AppwriteClient(httpClient: httpClient))
            let results = await withTaskGroup(of: (Int, InstanceHealth).self) { group in
                for (index, instance) in config.instances.enumerated() {
                    group.addTask { (index, await checker.check(instance)) }
                }
                var results: [Int: InstanceHealth] = [:]
                for await (index, health) in group { results[index] = health }
                return results
            }
            try? await httpClient.shutdown()
            rows = rows.enumerated().map { index, row in (row.0, results[index]) }
        }
        var report = "\(configPath): valid, \(config.instances.count) instance\(config.instances.count == 1 ? "" : "s")"
        report += offline ? " (network checks skipped)\n" : "\n"
        for warning in config.warnings { report += "warning: \(warning)\n" }
        if rows.isEmpty {
            // A fresh install: valid, and nothing to serve yet. Offline (the unit's ExecReload=) it
            // passes so a reload succeeds; online it is not "every instance ok" (exit 2).
            report += config.noInstancesMessage + "\n"
            return (offline ? .allOK : .instanceNotOK, report)
        }
        report += table(rows)
        let allOK = rows.allSatisfy { $0.1 == nil || $0.1?.state == .ok }
        return (allOK ? .allOK : .instanceNotOK, report)
    }

    static func table(_ rows: [(InstanceConfig, InstanceHealth?)]) -> String {
        let header = ["PROJECT ID", "NAME", "URL", "STATE", "REASON"]
        let cells = rows.map { instance, health in
            [
                instance.projectID, instance.name, instance.baseURL, health?.state.rawValue ?? "not checked",
                health?.reason ?? "",
            ]
        }
        let widths = (0..<header.count - 1).map { column in
            ([header] + cells).map { $0[column].count }.max() ?? 0
        }
        return ([header] + cells).map { row in
            row.enumerated().map { column, cell in
                column < widths.count ? cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0) : cell
            }.joined().trimmingCharacters(in: .whitespaces) + "\n"
        }.joined()
    }
}
