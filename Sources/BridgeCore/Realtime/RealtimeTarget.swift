/// Everything one instance's Realtime connection depends on. A reload that leaves it equal leaves
/// the socket alone; any difference (url, TLS, session, subscriptions) reconnects that instance.
struct RealtimeTarget: Sendable, Equatable {
    let instance: InstanceConfig
    let settings: RealtimeSettings
    let stateDirectory: String

    init?(_ instance: InstanceConfig, stateDirectory: String) {
        guard let settings = instance.realtime else { return nil }
        // Only what the socket and its catch-up use: a changed API key, function list or limit
        // must not cost the home its event stream.
        var kept = InstanceConfig(projectID: instance.projectID, name: instance.name, baseURL: instance.baseURL, apiKey: Secret(""))
        kept.timeoutSeconds = instance.timeoutSeconds
        kept.tls = instance.tls
        self.instance = kept
        self.settings = settings
        self.stateDirectory = stateDirectory
    }

    var endpoint: RealtimeEndpoint? {
        RealtimeEndpoint(baseURL: instance.baseURL, projectID: instance.projectID, subscriptions: settings.subscriptions)
    }
}
