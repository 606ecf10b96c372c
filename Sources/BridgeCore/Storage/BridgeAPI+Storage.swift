extension BridgeAPI {
    /// Storage routes share the API's state, client, outbox and logger.
    var storage: StorageAPI { StorageAPI(state: state, client: executor.client, outbox: outbox, logger: logger) }
}
