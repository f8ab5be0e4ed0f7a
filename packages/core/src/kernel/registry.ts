/** All kernel built-ins by name: the VM resolves BUILTIN instructions here. */
import type { BuiltinTable } from './api.js';
import { HEAP } from './heap.js';
import { MUTEX } from './mutex.js';
import { SPINLOCK } from './spinlock.js';
import { REFCOUNT } from './refcount.js';
import { ATOMIC } from './atomic.js';
import { XARRAY } from './xarray.js';
import { WAITQUEUE } from './waitqueue.js';
import { COMPLETION } from './completion.js';
import { IDA } from './ida.js';
import { MISC } from './misc.js';

export const BUILTINS: BuiltinTable = {
  ...HEAP, ...MUTEX, ...SPINLOCK, ...REFCOUNT, ...ATOMIC, ...XARRAY, ...WAITQUEUE, ...COMPLETION, ...IDA, ...MISC,
};
