public enum BridgeVersion {
    public static let current = "0.1.0"
}
