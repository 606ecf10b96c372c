#include "ConcurrencyHook.h"

extern void *swift_task_enqueueGlobal_hook;

void **appwrite_bridge_enqueue_global_hook(void) { return &swift_task_enqueueGlobal_hook; }
