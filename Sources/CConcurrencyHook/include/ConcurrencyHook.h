#ifndef APPWRITE_BRIDGE_CONCURRENCY_HOOK_H
#define APPWRITE_BRIDGE_CONCURRENCY_HOOK_H

/// Where the Swift runtime keeps its global-enqueue hook (`swift_task_enqueueGlobal_hook`, declared
/// in the runtime's Concurrency.h): found by the linker, so also when the runtime is linked into
/// the binary, where dlsym cannot see it.
void *_Nullable *_Nonnull appwrite_bridge_enqueue_global_hook(void);

#endif
