/** Built-in constants of kernel-C: errnos, GFP flags, limits, xarray flags, task states. */

/** Kernel errno values by name (include/uapi/asm-generic/errno-base.h, errno.h, linux/errno.h). */
export const ERRNO: Record<string, number> = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENOSYS: 38,
  ENODATA: 61,
  EOVERFLOW: 75,
  EBADFD: 77,
  EOPNOTSUPP: 95,
  ENOTSUPP: 524,
  ETIMEDOUT: 110,
  EALREADY: 114,
  EINPROGRESS: 115,
  ECANCELED: 125,
  ERESTARTSYS: 512,
};

/** errno value -> name, for reports (`-ENOENT`). */
export const ERRNO_NAME: Map<number, string> = new Map(Object.entries(ERRNO).map(([k, v]) => [v, k]));

/** Format an int result as the kernel would log it: `0`, `-ENOENT`, `42`. */
export function formatRet(v: number): string {
  if (v < 0 && ERRNO_NAME.has(-v)) return `-${ERRNO_NAME.get(-v)}`;
  return String(v);
}

/** Timer ticks per second: the unit of jiffies. */
export const HZ = 1000;

/** Every named constant kernel-C can use as a value, by name. */
export const CONSTANTS: Record<string, number> = {
  ...ERRNO,
  true: 1,
  false: 0,
  NULL: 0,
  GFP_KERNEL: 0xcc0,
  GFP_ATOMIC: 0x820,
  GFP_NOWAIT: 0x800,
  GFP_KERNEL_ACCOUNT: 0x400cc0,
  __GFP_ZERO: 0x100,
  GFP_NOFS: 0xc40,
  HZ,
  INT_MAX: 0x7fffffff,
  INT_MIN: -0x80000000,
  UINT_MAX: 0xffffffff,
  U32_MAX: 0xffffffff,
  U16_MAX: 0xffff,
  U8_MAX: 0xff,
  S32_MAX: 0x7fffffff,
  LONG_MAX: Number.MAX_SAFE_INTEGER,
  LONG_MIN: Number.MIN_SAFE_INTEGER,
  ULONG_MAX: 2 ** 64 - 1,
  U64_MAX: 2 ** 64 - 1,
  MAX_SCHEDULE_TIMEOUT: Number.MAX_SAFE_INTEGER,
  MINORMASK: 0xfffff,
  REFCOUNT_SATURATED: -0x40000000,
  REFCOUNT_MAX: 0x7fffffff,
  // xarray flags (values are the model's own; only their meaning matters)
  XA_FLAGS_ALLOC: 1,
  XA_FLAGS_ALLOC1: 3,
  XA_FLAGS_ACCOUNT: 4,
  XA_FLAGS_LOCK_IRQ: 8,
  XA_FLAGS_LOCK_BH: 16,
  xa_limit_31b: 0x7fffffff,
  xa_limit_32b: 0xffffffff,
  xa_limit_16b: 0xffff,
  // task states (include/linux/sched.h)
  TASK_RUNNING: 0,
  TASK_INTERRUPTIBLE: 1,
  TASK_UNINTERRUPTIBLE: 2,
  TASK_KILLABLE: 0x102,
  TASK_NORMAL: 3,
  IOMMU_NO_PASID: 0,
  SINGLE_DEPTH_NESTING: 1,
};
