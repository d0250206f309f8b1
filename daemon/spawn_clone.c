/*
 * spawn_clone.c: starting a child straight into its cgroup by clone3
 * (CLONE_INTO_CGROUP, Linux 5.7), with vfork's semantics where it can:
 * CLONE_VM | CLONE_VFORK on a stack of the daemon's, so that no page
 * table is copied per start.  glibc (2.36) has no clone3 wrapper, and a
 * child that shares the daemon's memory cannot return from syscall()
 * into C (it would run on the daemon's stack frames, or on an empty
 * stack): clone3_vm() below is the entry, in assembly for x86_64 and
 * aarch64, that calls fn(arg) on the new stack in the child.  Elsewhere,
 * or when the kernel refuses CLONE_VM, clone3 is a fork (page tables
 * copied, the daemon still waiting for the exec: CLONE_VFORK); without
 * clone3, spawn.c vforks and joins the cgroup through cgroup.procs.
 *
 * One stack is enough: with CLONE_VFORK the daemon waits until the
 * child has exec'd or exited, and only the loop's thread starts
 * children.  A guard page below it turns an overflow into a SIGSEGV of
 * the child, not a write over the daemon's memory.
 */
#include <sys/types.h>
#include <sys/mman.h>

#ifdef __linux__
#include <linux/sched.h>	/* struct clone_args, CLONE_* */
#include <sys/syscall.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spawn_clone.h"

#if defined(__linux__) && defined(SYS_clone3) && defined(CLONE_INTO_CGROUP)
#define HAVE_CLONE3	1
#if defined(__x86_64__) || defined(__aarch64__)
#define HAVE_CLONE3_VM	1
#endif
#endif

/*
 * Under AddressSanitizer a child running on a stack ASan does not know
 * (and writing its shadow of it) is what it warns about: the sanitized
 * build starts children as a fork.
 */
#if defined(__SANITIZE_ADDRESS__)
#undef HAVE_CLONE3_VM
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#undef HAVE_CLONE3_VM
#endif
#endif

#define STACK_SIZE	(64 * 1024)

static enum spawn_way	way;
static bool		way_known;
static void		*stack_map;	/* guard page + stack; NULL: none yet */
static size_t		 stack_len;

static const char *way_names[] = { "vm", "fork", "vfork" };

const char *
spawn_way_name(enum spawn_way w)
{
	return way_names[w];
}

/* The best way here, or the one MAINTD_SPAWN forces. */
enum spawn_way
spawn_way(void)
{
	const char	*e;

	if (way_known)
		return way;
	way_known = true;
#if defined(HAVE_CLONE3_VM)
	way = SW_VM;
#elif defined(HAVE_CLONE3)
	way = SW_FORK;
#else
	way = SW_VFORK;
#endif
	if ((e = getenv("MAINTD_SPAWN")) == NULL || *e == '\0')
		return way;
	if (strcmp(e, "vfork") == 0)
		way = SW_VFORK;
	else if (strcmp(e, "fork") == 0 && way != SW_VFORK)
		way = SW_FORK;
	else if (strcmp(e, "vm") != 0 && strcmp(e, "fork") != 0)
		log_warnx("MAINTD_SPAWN=%s: not vm, fork or vfork; ignored", e);
	return way;
}

#ifdef HAVE_CLONE3_VM
/*
 * clone3(a) where the child runs fn(arg) on a->stack and then exits; the
 * parent gets the pid, or -errno (the raw system call).  The child comes
 * back from the system call with the parent's registers but the new
 * stack pointer (stack + stack_size, 16-byte aligned: the ABI's for a
 * call), so the assembly keeps fn and arg in registers the kernel does
 * not touch and makes the call itself, with the frame pointer cleared
 * (the outermost frame); fn does not return, and if it did the child
 * would exit 127.
 */
static long
clone3_vm(struct clone_args *a, void (*fn)(void *), void *arg)
{
#if defined(__x86_64__)
	/* syscall: number in rax, arguments in rdi, rsi; clobbers rcx, r11 */
	register long			 rax __asm__("rax") = SYS_clone3;
	register struct clone_args	*rdi __asm__("rdi") = a;
	register size_t			 rsi __asm__("rsi") = sizeof(*a);
	register void			(*rdx)(void *) __asm__("rdx") = fn;
	register void			*r8 __asm__("r8") = arg;

	__asm__ __volatile__(
	    "syscall\n\t"
	    "testq %%rax, %%rax\n\t"
	    "jnz 1f\n\t"
	    "xorl %%ebp, %%ebp\n\t"
	    "movq %%r8, %%rdi\n\t"
	    "callq *%%rdx\n\t"
	    "movl $127, %%edi\n\t"
	    "movl %[ex], %%eax\n\t"
	    "syscall\n\t"
	    "hlt\n"
	    "1:"
	    : "+r" (rax)
	    : "r" (rdi), "r" (rsi), "r" (rdx), "r" (r8),
	      [ex] "i" (SYS_exit_group)
	    : "rcx", "r11", "memory", "cc");
	return rax;
#elif defined(__aarch64__)
	/* svc 0: number in x8, arguments in x0, x1; the result in x0 */
	register long			 x8 __asm__("x8") = SYS_clone3;
	register long			 x0 __asm__("x0") = (long)a;
	register size_t			 x1 __asm__("x1") = sizeof(*a);
	register void			(*x10)(void *) __asm__("x10") = fn;
	register void			*x11 __asm__("x11") = arg;

	__asm__ __volatile__(
	    "svc #0\n\t"
	    "cbnz x0, 1f\n\t"
	    "mov x29, xzr\n\t"
	    "mov x30, xzr\n\t"
	    "mov x0, x11\n\t"
	    "blr x10\n\t"
	    "mov x0, #127\n\t"
	    "mov x8, #94\n\t"		/* exit_group */
	    "svc #0\n"
	    "1:"
	    : "+r" (x0)
	    : "r" (x8), "r" (x1), "r" (x10), "r" (x11)
	    : "memory", "cc");
	return x0;
#endif
}

/* The child's stack, mapped once: its lowest address, or NULL. */
static void *
stack_get(void)
{
	long	page;

	if (stack_map != NULL)
		return (char *)stack_map + (stack_len - STACK_SIZE);
	if ((page = sysconf(_SC_PAGESIZE)) <= 0)
		page = 4096;
	stack_len = (size_t)page + STACK_SIZE;
	if ((stack_map = mmap(NULL, stack_len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0)) == MAP_FAILED) {
		stack_map = NULL;
		return NULL;
	}
	if (mprotect(stack_map, (size_t)page, PROT_NONE) == -1) {
		(void)munmap(stack_map, stack_len);
		stack_map = NULL;
		return NULL;
	}
	return (char *)stack_map + page;
}
#endif

void
spawn_clone_free(void)
{
	if (stack_map != NULL)
		(void)munmap(stack_map, stack_len);
	stack_map = NULL;
}

#ifdef HAVE_CLONE3
pid_t
spawn_clone(int cgdir, int *pidfd, void (*fn)(void *), void *arg)
{
	struct clone_args	a;
	long			r;
#ifdef HAVE_CLONE3_VM
	void			*stack;
#endif

	if (spawn_way() == SW_VFORK) {
		errno = ENOSYS;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.flags = CLONE_VFORK;
	if (cgdir != -1) {
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)cgdir;
	}
	/* with a pidfd to reap it by, its end sends no SIGCHLD */
	if (pidfd != NULL) {
		a.flags |= CLONE_PIDFD;
		a.pidfd = (uint64_t)(uintptr_t)pidfd;
	} else
		a.exit_signal = SIGCHLD;
#ifdef HAVE_CLONE3_VM
	if (way == SW_VM && (stack = stack_get()) != NULL) {
		a.flags |= CLONE_VM;
		a.stack = (uint64_t)(uintptr_t)stack;
		a.stack_size = STACK_SIZE;
		if ((r = clone3_vm(&a, fn, arg)) >= 0)
			return (pid_t)r;
		if (r == -ENOSYS || r == -E2BIG) {
			way = SW_VFORK;		/* no clone3 (or valgrind's) */
			errno = ENOSYS;
			return -1;
		}
		if (r != -EINVAL) {
			errno = (int)-r;
			return -1;
		}
		/* as a fork: if that works, it was CLONE_VM refused */
		a.flags &= ~(uint64_t)CLONE_VM;
		a.stack = a.stack_size = 0;
		if ((r = syscall(SYS_clone3, &a, sizeof(a))) == 0) {
			fn(arg);
			_exit(127);
		}
		if (r > 0) {
			log_warnx("clone3 with CLONE_VM: %s; children are "
			    "started as by fork from now on", strerror(EINVAL));
			way = SW_FORK;
		}
		return (pid_t)r;
	}
#endif
	if ((r = syscall(SYS_clone3, &a, sizeof(a))) == 0) {
		fn(arg);
		_exit(127);
	}
	if (r == -1 && (errno == ENOSYS || errno == E2BIG)) {
		way = SW_VFORK;
		errno = ENOSYS;
	}
	return (pid_t)r;
}
#else
pid_t
spawn_clone(int cgdir, int *pidfd, void (*fn)(void *), void *arg)
{
	(void)cgdir;
	(void)pidfd;
	(void)fn;
	(void)arg;
	errno = ENOSYS;
	return -1;
}
#endif

#if defined(__linux__) && defined(SYS_pidfd_open)
int
spawn_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}
#else
int
spawn_pidfd(pid_t pid)
{
	(void)pid;
	return -1;
}
#endif
