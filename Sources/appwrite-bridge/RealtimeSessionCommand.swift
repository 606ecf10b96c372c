import ArgumentParser
import BridgeCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

struct RealtimeSessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realtime-session",
        abstract: "Create the session the bridge's Realtime socket connects with, once, into a file.",
        discussion: """
            Appwrite refuses API keys on Realtime, so the bridge connects as a dedicated user. This
            creates one session for that user (POST /v1/users/<user-id>/sessions) with an API key
            that holds sessions.write, read from standard input (not echoed, never stored), and
            writes the session's secret to --out with mode 0600. Point the instance's
            realtime.session_file at that file. The key needs no other scope, and the bridge never
            sees it.
            """
    )

    @Argument(help: "The instance's project ID.")
    var projectID: String

    @Argument(help: "The dedicated user's ID (e.g. ha-bridge).")
    var userID: String

    @Option(help: "Where to write the session secret (mode 0600).")
    var out: String

    @Option(help: "Appwrite's URL with /v1 (default: the instance's url in --config).")
    var url: String?

    @Option(name: .shortAndLong, help: "bridge.yaml to take the instance's url and TLS settings from.")
    var config = "./bridge.yaml"

    func run() async throws {
        var baseURL = url
        var tls = UpstreamTLS()
        if baseURL == nil {
            let loaded: BridgeConfig
            do {
                loaded = try ConfigLoader(environment: ProcessInfo.processInfo.environment).load(path: config)
            } catch {
                printError("appwrite-bridge realtime-session: invalid configuration (or pass --url): \(error.description)")
                throw ExitCode(1)
            }
            guard let instance = loaded.instance(projectID: projectID) else {
                printError("appwrite-bridge realtime-session: \(config) has no instance \(projectID); pass --url")
                throw ExitCode(1)
            }
            baseURL = instance.baseURL
            tls = instance.tls
        }
        guard let key = Self.readKey() else {
            printError("appwrite-bridge realtime-session: no API key on standard input")
            throw ExitCode(1)
        }
        do {
            let minted = try await RealtimeSessionMinter.mint(
                baseURL: baseURL!.hasSuffix("/") ? String(baseURL!.dropLast()) : baseURL!,
                projectID: projectID,
                userID: userID,
                key: key,
                tls: tls,
                writingTo: out
            )
            print("wrote the session of user \(userID) (session \(minted.sessionID), expires \(minted.expire)) to \(out)")
            print("set realtime.session_file: \(out) for instance \(projectID), then reload the bridge")
        } catch {
            printError("appwrite-bridge realtime-session: \(error.description)")
            throw ExitCode(1)
        }
    }

    /// One line from standard input; on a terminal it asks on standard error and turns echo off.
    static func readKey() -> Secret? {
        var restore: termios?
        if isatty(STDIN_FILENO) == 1 {
            FileHandle.standardError.write(Data("Appwrite API key with sessions.write (not echoed): ".utf8))
            var settings = termios()
            if tcgetattr(STDIN_FILENO, &settings) == 0 {
                restore = settings
                settings.c_lflag &= ~tcflag_t(ECHO)
                tcsetattr(STDIN_FILENO, TCSANOW, &settings)
            }
        }
        defer {
            if var saved = restore {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else { return nil }
        return Secret(line)
    }
}
