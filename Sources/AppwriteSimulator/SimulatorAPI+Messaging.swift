import Foundation
import Hummingbird

/// Appwrite Messaging: create push, email and SMS messages, and get one back.
extension SimulatorAPI {
    func registerMessaging(on router: Router<BasicRequestContext>) {
        for provider in Message.ProviderType.allCases {
            router.post("/v1/messaging/messages/\(provider.rawValue)") { request, _ in
                try await createMessage(request, provider: provider)
            }
        }
        router.get("/v1/messaging/messages/:messageId") { request, context in
            let project = try authorize(request, anyOf: ["messages.read"])
            let messageID = try context.parameters.require("messageId")
            guard let message = await state.message(projectID: project.id, id: messageID) else {
                throw AppwriteError.messageNotFound
            }
            return try encode(message, status: .ok)
        }
    }

    /// Appwrite's order: scope, parameters, recipients, target kinds, then the duplicate-ID check
    /// when the message is stored. 201 with the Message; a message that is neither a draft nor
    /// scheduled is `processing` in the reply and `sent` shortly after.
    func createMessage(_ request: Request, provider: Message.ProviderType) async throws -> Response {
        let project = try authorize(request, anyOf: ["messages.write"])
        let parameters = try MessageParameters(provider, try await jsonParameters(request))
        let status = parameters.draft ? "draft" : (parameters.scheduledAt == nil ? "processing" : "scheduled")
        guard status == "draft" || parameters.hasRecipients else { throw AppwriteError.messageMissingTarget }

        // Only targets listed in the project's config have a kind. Appwrite would refuse unknown IDs
        // too (it counts the targets it finds of the right kind); the simulator accepts them, so a
        // test need not declare every target it sends to.
        let kinds = Dictionary(project.targets.map { ($0.id, $0.type) }, uniquingKeysWith: { first, _ in first })
        for id in parameters.targets + parameters.copyTargets {
            if let kind = kinds[id], kind != provider { throw AppwriteError.messageTargetNot(provider) }
        }
        if case .array(let attachments)? = parameters.data["attachments"] {
            try await checkAttachments(attachments.compactMap { if case .string(let text) = $0 { text } else { nil } }, project: project)
        }

        let message = Message(
            id: parameters.messageID == "unique()" ? Self.newID() : parameters.messageID,
            createdAt: AppwriteDate.string(Date()),
            providerType: provider,
            topics: parameters.topics,
            users: parameters.users,
            targets: parameters.targets,
            scheduledAt: parameters.scheduledAt.map(AppwriteDate.string),
            data: parameters.data,
            status: status
        )
        guard await state.insert(message, projectID: project.id) else { throw AppwriteError.messageAlreadyExists }
        if status == "processing" {
            Task { [state, projectID = project.id, id = message.id] in
                await state.markSent(projectID: projectID, id: id, at: Date())
            }
        }
        return try encode(message, status: .created)
    }
}
