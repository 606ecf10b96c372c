import NIOCore

/// Runs a task's jobs on one NIO event loop, as its task executor preference (SE-0417): an
/// `/api/events` writer stays on its connection's loop instead of running wherever the event
/// that woke it was published, which cost a thread hop there and back for every write.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
