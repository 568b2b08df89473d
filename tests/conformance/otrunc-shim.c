/* otrunc-shim.c — LD_PRELOAD shim for running efibootmgr as a write oracle on a
 * plain directory (tests/conformance/mutations.sh).
 *
 * libefivar's efivarfs backend opens an existing variable file O_WRONLY without
 * O_TRUNC and writes attributes+data once. On a real efivarfs mount that write
 * replaces the variable; on a plain directory a shorter write leaves the old tail
 * behind (shared/notes/uefi.md §6.2), and efibootmgr's own listing then shows it
 * ("BootOrder: 0002,0000,0002" after -o 0002,0000). This shim adds O_TRUNC to every
 * write-open of a file under $EFIVARFS_PATH, which makes the directory behave like
 * efivarfs for these single-write replacements. Nothing else is changed.
 *
 * Build: cc -shared -fPIC -o otrunc-shim.so otrunc-shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static int under_efivarfs_path(const char *path) {
  const char *root = getenv("EFIVARFS_PATH");
  return path && root && *root && strncmp(path, root, strlen(root)) == 0;
}

static int fix_flags(const char *path, int flags) {
  if ((flags & O_ACCMODE) != O_RDONLY && under_efivarfs_path(path)) flags |= O_TRUNC;
  return flags;
}

#define SHIM_OPEN(name)                                                        \
  int name(const char *path, int flags, ...) {                                 \
    static int (*real)(const char *, int, ...);                                \
    mode_t mode = 0;                                                           \
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {                                       \
      va_list ap;                                                              \
      va_start(ap, flags);                                                     \
      mode = va_arg(ap, mode_t);                                               \
      va_end(ap);                                                              \
    }                                                                          \
    if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name); \
    return real(path, fix_flags(path, flags), mode);                           \
  }

#define SHIM_OPENAT(name)                                                      \
  int name(int dirfd, const char *path, int flags, ...) {                      \
    static int (*real)(int, const char *, int, ...);                           \
    mode_t mode = 0;                                                           \
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {                                       \
      va_list ap;                                                              \
      va_start(ap, flags);                                                     \
      mode = va_arg(ap, mode_t);                                               \
      va_end(ap);                                                              \
    }                                                                          \
    if (!real) real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, #name); \
    return real(dirfd, path, fix_flags(path, flags), mode);                    \
  }

SHIM_OPEN(open)
SHIM_OPEN(open64)
SHIM_OPENAT(openat)
SHIM_OPENAT(openat64)
