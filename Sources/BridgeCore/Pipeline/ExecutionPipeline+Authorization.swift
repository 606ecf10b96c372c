extension ExecutionPipeline {
    /// The caller's token and the instance's `functions:` list, the callback allowlist, and
    /// whether `function_wait` and `function_callback_url` can work with the instance's key (both
    /// need to read the execution back). Refused before anything is sent: a callback accepted on a
    /// key without `executions.read` would never arrive, and nobody would hear why.
    func authorize(_ call: PipelineCall) throws(BridgeError) {
        let instance = call.instance
        try Self.checkScope(of: call.token, for: instance.projectID)
        // A gateway guest goes on without the instance's key: Appwrite's own permissions decide.
        if let functionID = call.request.functionID, call.request.sendsKey {
            try Self.checkFunction(functionID, token: call.token, instance: instance)
        }
        if let url = call.callbackURL, !call.config.allowsCallback(to: url) { throw .callbackNotAllowed(url) }
        let readsBack = call.wait != nil ? "function_wait" : call.callbackURL != nil ? "function_callback_url" : nil
        if let readsBack, let read = state?.health(of: instance.projectID).read, read.state == .missingScope {
            throw .waitUnavailable(
                field: readsBack,
                projectID: instance.projectID,
                reason: read.reason ?? "the API key lacks executions.read"
            )
        }
    }

    /// The token's `instances:` scope. Routes call it too, before reading a body: a caller
    /// outside it learns nothing from payload errors.
    static func checkScope(of token: AccessToken?, for projectID: String) throws(BridgeError) {
        if let token, !token.instances.allows(projectID) { throw .forbidden(tokenName: token.name, projectID: projectID) }
    }

    /// Both allowlists a function must be on: the token's and the instance's.
    static func checkFunction(_ functionID: String, token: AccessToken?, instance: InstanceConfig) throws(BridgeError) {
        if let token, !token.functions.allows(functionID) {
            throw .functionNotAllowed(functionID: functionID, by: "token '\(token.name)'")
        }
        if !instance.functions.allows(functionID) {
            throw .functionNotAllowed(functionID: functionID, by: "the functions list of instance '\(instance.projectID)'")
        }
    }
}
