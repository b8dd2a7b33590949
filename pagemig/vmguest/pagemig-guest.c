/*
 * pagemig-guest: runs pagemig's migration scenarios inside a real Linux kernel.
 *
 * Built on the host with `gcc -static -O2` by pagemig/vm.py and put into the
 * initramfs beside busybox; /init runs it once.  It reads the scenario script
 * that pagemig.realscenarios wrote (the same Scenario objects the simulator
 * runs) and prints one line per scenario on stdout (the serial console):
 *
 *   PAGEMIG R name=N ret=R errno=E status=a,b nodes=a,b success=S fail=F set=X remove=Y usec=U
 *
 * Raw syscall() for move_pages, migrate_pages and mbind: no libnuma.
 *
 * Script (one command a line, a scenario ends with E):
 *   S name                       a new scenario
 *   M kind pages shared touch mlock
 *                                a mapping: kind anon|shanon|tmpfs|ext4|vfat|ramfs,
 *                                touch write|read|none|unmapped, shared and mlock 0|1
 *   F                            fork a sharer child that reads every touched page
 *   P map page node              before the call: move that page there (MOVE_ALL)
 *   V map page                   pin the page with a vmsplice() reference (get_user_pages)
 *   L map page                   long-term pin (io_uring fixed buffer: FOLL_PIN|FOLL_LONGTERM)
 *   C self|child uid             who calls: this process (seteuid(uid) first) or a
 *                                forked child that does setuid(uid)
 *   T self|zero|reaped|sharer|init    the pid argument
 *   X move_pages flags | X query | X migrate_pages oldmask newmask |
 *   X mbind map mode nodemask flags
 *   G map page node              a page the call names (move_pages/query) or reports
 *   E                            run the scenario
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define MAXMAPS 8
#define MAXT 64
#define UNSET (-9999)

struct map {
	char kind[16];
	int pages, shared, mlocked;
	char touch[16];
	char *addr;
	char path[128];
};

struct scenario {
	char name[96];
	struct map maps[MAXMAPS];
	int nmaps;
	int fork_sharer;
	int prep[MAXT][3], nprep;
	int pin[MAXT][2], npin;
	int lpin[MAXT][2], nlpin;
	char caller[16];
	int uid;
	char pid[16];
	char call[32];
	long flags;
	unsigned long oldmask, newmask;
	int mbind_map, mbind_mode;
	unsigned long mbind_mask;
	int tg[MAXT][3], ntg;
};

static long move_pages(int pid, unsigned long n, void **pages, const int *nodes, int *status,
		       int flags)
{
	return syscall(SYS_move_pages, pid, n, pages, nodes, status, flags);
}

static long vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[128];
	long v, found = -1;
	if (!f)
		return -1;
	while (fscanf(f, "%127s %ld", key, &v) == 2)
		if (!strcmp(key, name)) {
			found = v;
			break;
		}
	fclose(f);
	return found;
}

#define TRACE "/sys/kernel/tracing/"

static void trace_clear(void)
{
	int fd = open(TRACE "trace", O_WRONLY | O_TRUNC);
	if (fd >= 0)
		close(fd);
}

/* count the set_migration_pte / remove_migration_pte events since trace_clear() */
static void trace_count(long *set, long *rem)
{
	FILE *f = fopen(TRACE "trace", "r");
	char line[512];
	*set = *rem = -1;
	if (!f)
		return;
	*set = *rem = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		if (strstr(line, "set_migration_pte:"))
			(*set)++;
		else if (strstr(line, "remove_migration_pte:"))
			(*rem)++;
	}
	fclose(f);
}

static const char *mountpoint(const char *kind)
{
	if (!strcmp(kind, "tmpfs"))
		return "/mnt/tmpfs";
	if (!strcmp(kind, "ext4"))
		return "/mnt/ext4";
	if (!strcmp(kind, "vfat"))
		return "/mnt/vfat";
	if (!strcmp(kind, "ramfs"))
		return "/mnt/ramfs";
	return NULL;
}

static void die(const char *what)
{
	printf("PAGEMIG ERROR %s: %s\n", what, strerror(errno));
	fflush(stdout);
	_exit(2);
}

/* Set up one mapping: a file's page cache is clean when it is mapped (written
 * and fsync'ed, then dropped from the cache on ext4/vfat so that the fault reads
 * it back; a hole on ramfs, whose written pages stay dirty forever), and the
 * touch decides what the process does to it. */
static void setup_map(struct scenario *s, int i)
{
	struct map *m = &s->maps[i];
	size_t len = (size_t)m->pages * PAGE;
	int fd = -1, prot = PROT_READ | PROT_WRITE;
	int flags = m->shared ? MAP_SHARED : MAP_PRIVATE;
	const char *mnt = mountpoint(m->kind);

	if (mnt) {
		static char buf[PAGE];
		snprintf(m->path, sizeof m->path, "%s/f%d", mnt, i);
		fd = open(m->path, O_RDWR | O_CREAT | O_TRUNC, 0666);
		if (fd < 0)
			die(m->path);
		if (!strcmp(m->kind, "ramfs")) {
			if (ftruncate(fd, len))
				die("ftruncate");
		} else {
			memset(buf, 'f', sizeof buf);
			for (int p = 0; p < m->pages; p++)
				if (write(fd, buf, PAGE) != PAGE)
					die("write");
			fsync(fd);
			posix_fadvise(fd, 0, len, POSIX_FADV_DONTNEED);
		}
	} else {
		flags |= MAP_ANONYMOUS;
		if (!strcmp(m->kind, "shanon"))
			flags = MAP_SHARED | MAP_ANONYMOUS;
	}
	m->addr = mmap(NULL, len, prot, flags, fd, 0);
	if (m->addr == MAP_FAILED)
		die("mmap");
	if (fd >= 0)
		close(fd);
	for (int p = 0; p < m->pages; p++) {
		volatile char *a = m->addr + (size_t)p * PAGE;
		if (!strcmp(m->touch, "write"))
			*a = 'w';
		else if (!strcmp(m->touch, "read"))
			(void)*a;
	}
	if (m->mlocked && mlock(m->addr, len))
		die("mlock");
}

static int touched(struct map *m)
{
	return !strcmp(m->touch, "write") || !strcmp(m->touch, "read");
}

struct outcome {
	long ret;
	int err;
	int status[MAXT];
};

static void do_call(struct scenario *s, int pid, struct outcome *o)
{
	void *addrs[MAXT];
	int nodes[MAXT];
	for (int i = 0; i < s->ntg; i++) {
		addrs[i] = s->maps[s->tg[i][0]].addr + (size_t)s->tg[i][1] * PAGE;
		nodes[i] = s->tg[i][2];
		o->status[i] = UNSET;
	}
	errno = 0;
	if (!strcmp(s->call, "move_pages"))
		o->ret = move_pages(pid, s->ntg, addrs, nodes, o->status, (int)s->flags);
	else if (!strcmp(s->call, "query"))
		o->ret = move_pages(pid, s->ntg, addrs, NULL, o->status, 0);
	else if (!strcmp(s->call, "migrate_pages"))
		o->ret = syscall(SYS_migrate_pages, pid, 64UL, &s->oldmask, &s->newmask);
	else if (!strcmp(s->call, "mbind")) {
		struct map *m = &s->maps[s->mbind_map];
		o->ret = syscall(SYS_mbind, m->addr, (unsigned long)m->pages * PAGE, s->mbind_mode,
				 &s->mbind_mask, 64UL, (unsigned long)s->flags);
	} else
		o->ret = -1, errno = ENOSYS;
	o->err = o->ret < 0 ? errno : 0;
}

static void run(struct scenario *s)
{
	int sync_pipe[2], res_pipe[2], go_pipe[2], pins[MAXT][2];
	pid_t sharer = 0, target, reaped = 0, helper = 0;
	struct outcome o;
	long s0, f0, s1, f1, set, rem;
	struct timespec t0, t1;
	int lring = -1;

	/* A calling child is forked first, so that it shares none of the pages (as an
	 * unrelated process); it waits for the set-up scenario on a pipe. */
	if (!strcmp(s->caller, "child")) {
		if (pipe(go_pipe) || pipe(res_pipe))
			die("pipe");
		helper = fork();
		if (helper == 0) {
			struct scenario t;
			pid_t tp;
			if (read(go_pipe[0], &t, sizeof t) != sizeof t ||
			    read(go_pipe[0], &tp, sizeof tp) != sizeof tp)
				_exit(1);
			if (t.uid && setuid(t.uid))
				_exit(3);
			do_call(&t, tp, &o);
			if (write(res_pipe[1], &o, sizeof o) != sizeof o)
				_exit(1);
			_exit(0);
		}
	}
	for (int i = 0; i < s->nmaps; i++)
		setup_map(s, i);
	/* unmapped maps go only now: a later mmap must not reuse their hole */
	for (int i = 0; i < s->nmaps; i++)
		if (!strcmp(s->maps[i].touch, "unmapped"))
			munmap(s->maps[i].addr, (size_t)s->maps[i].pages * PAGE);
	if (s->fork_sharer) {
		if (pipe(sync_pipe))
			die("pipe");
		sharer = fork();
		if (sharer == 0) {
			for (int i = 0; i < s->nmaps; i++)
				if (touched(&s->maps[i]))
					for (int p = 0; p < s->maps[i].pages; p++)
						(void)*(volatile char *)(s->maps[i].addr + (size_t)p * PAGE);
			if (write(sync_pipe[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		char c;
		if (read(sync_pipe[0], &c, 1) != 1)
			die("sharer");
	}
	for (int i = 0; i < s->nprep; i++) {
		void *a = s->maps[s->prep[i][0]].addr + (size_t)s->prep[i][1] * PAGE;
		int st = UNSET;
		move_pages(0, 1, &a, &s->prep[i][2], &st, 4 /* MPOL_MF_MOVE_ALL */);
	}
	for (int i = 0; i < s->npin; i++) {
		struct iovec iov = {s->maps[s->pin[i][0]].addr + (size_t)s->pin[i][1] * PAGE, PAGE};
		if (pipe(pins[i]))
			die("pipe");
		if (vmsplice(pins[i][1], &iov, 1, 0) != PAGE)
			die("vmsplice");
	}
	if (s->nlpin) {
		struct io_uring_params p;
		struct iovec iov[MAXT];
		memset(&p, 0, sizeof p);
		lring = syscall(SYS_io_uring_setup, 4, &p);
		if (lring < 0)
			die("io_uring_setup");
		for (int i = 0; i < s->nlpin; i++) {
			iov[i].iov_base = s->maps[s->lpin[i][0]].addr + (size_t)s->lpin[i][1] * PAGE;
			iov[i].iov_len = PAGE;
		}
		if (syscall(SYS_io_uring_register, lring, IORING_REGISTER_BUFFERS, iov, s->nlpin))
			die("io_uring_register");
	}
	if (!strcmp(s->pid, "reaped")) {
		reaped = fork();
		if (reaped == 0)
			_exit(0);
		waitpid(reaped, NULL, 0);
	}
	if (!strcmp(s->pid, "self"))
		target = getpid();
	else if (!strcmp(s->pid, "zero"))
		target = 0;
	else if (!strcmp(s->pid, "reaped"))
		target = reaped;
	else if (!strcmp(s->pid, "sharer"))
		target = sharer;
	else
		target = 1;

	s0 = vmstat("pgmigrate_success");
	f0 = vmstat("pgmigrate_fail");
	trace_clear();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (helper) {
		if (write(go_pipe[1], s, sizeof *s) != sizeof *s ||
		    write(go_pipe[1], &target, sizeof target) != sizeof target)
			die("go pipe");
		if (read(res_pipe[0], &o, sizeof o) != sizeof o)
			die("caller child");
		waitpid(helper, NULL, 0);
		close(go_pipe[0]);
		close(go_pipe[1]);
		close(res_pipe[0]);
		close(res_pipe[1]);
	} else {
		if (s->uid && seteuid(s->uid))
			die("seteuid");
		do_call(s, target, &o);
		if (s->uid && seteuid(0))
			die("seteuid back");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s1 = vmstat("pgmigrate_success");
	f1 = vmstat("pgmigrate_fail");
	trace_count(&set, &rem);

	printf("PAGEMIG R name=%s ret=%ld errno=%d status=", s->name, o.ret, o.err);
	int query = !strcmp(s->call, "move_pages") || !strcmp(s->call, "query");
	for (int i = 0; i < s->ntg; i++) {
		/* the array as the kernel left it, also when the call failed */
		if (!query || o.status[i] == UNSET)
			printf("%sunset", i ? "," : "");
		else
			printf("%s%d", i ? "," : "", o.status[i]);
	}
	printf(" nodes=");
	for (int i = 0; i < s->ntg; i++) {
		void *a = s->maps[s->tg[i][0]].addr + (size_t)s->tg[i][1] * PAGE;
		int st = UNSET;
		move_pages(0, 1, &a, NULL, &st, 0);
		printf("%s%d", i ? "," : "", st);
	}
	printf(" success=%ld fail=%ld set=%ld remove=%ld usec=%ld\n", s1 - s0, f1 - f0, set, rem,
	       (long)((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000));
	fflush(stdout);

	if (sharer) {
		kill(sharer, SIGKILL);
		waitpid(sharer, NULL, 0);
	}
	for (int i = 0; i < s->npin; i++)
		close(pins[i][0]), close(pins[i][1]);
	if (lring >= 0)
		close(lring);
	for (int i = 0; i < s->nmaps; i++) {
		if (strcmp(s->maps[i].touch, "unmapped"))
			munmap(s->maps[i].addr, (size_t)s->maps[i].pages * PAGE);
		if (s->maps[i].path[0])
			unlink(s->maps[i].path);
	}
}

static void enable_tracepoints(void)
{
	const char *ev[] = {TRACE "events/migrate/set_migration_pte/enable",
			    TRACE "events/migrate/remove_migration_pte/enable"};
	for (int i = 0; i < 2; i++) {
		int fd = open(ev[i], O_WRONLY);
		if (fd < 0 || write(fd, "1", 1) != 1)
			printf("PAGEMIG NOTE tracepoint %s unavailable\n", ev[i]);
		if (fd >= 0)
			close(fd);
	}
}

int main(int argc, char **argv)
{
	FILE *in = fopen(argc > 1 ? argv[1] : "/scenarios.txt", "r");
	char line[512];
	struct scenario s;
	cpu_set_t cpu0;
	int n = 0;

	if (!in)
		die("scenario script");
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof cpu0, &cpu0); /* node 0: faults allocate there */
	setvbuf(stdout, NULL, _IOLBF, 0);
	enable_tracepoints();
	memset(&s, 0, sizeof s);
	while (fgets(line, sizeof line, in)) {
		char cmd = line[0];
		const char *a = line + 1;
		switch (cmd) {
		case 'S':
			memset(&s, 0, sizeof s);
			strcpy(s.caller, "self");
			strcpy(s.pid, "self");
			sscanf(a, "%95s", s.name);
			break;
		case 'M': {
			struct map *m = &s.maps[s.nmaps++];
			sscanf(a, "%15s %d %d %15s %d", m->kind, &m->pages, &m->shared, m->touch,
			       &m->mlocked);
			break;
		}
		case 'F':
			s.fork_sharer = 1;
			break;
		case 'P':
			sscanf(a, "%d %d %d", &s.prep[s.nprep][0], &s.prep[s.nprep][1],
			       &s.prep[s.nprep][2]);
			s.nprep++;
			break;
		case 'V':
			sscanf(a, "%d %d", &s.pin[s.npin][0], &s.pin[s.npin][1]);
			s.npin++;
			break;
		case 'L':
			sscanf(a, "%d %d", &s.lpin[s.nlpin][0], &s.lpin[s.nlpin][1]);
			s.nlpin++;
			break;
		case 'C':
			sscanf(a, "%15s %d", s.caller, &s.uid);
			break;
		case 'T':
			sscanf(a, "%15s", s.pid);
			break;
		case 'X':
			sscanf(a, "%31s", s.call);
			if (!strcmp(s.call, "move_pages"))
				sscanf(a, "%*s %ld", &s.flags);
			else if (!strcmp(s.call, "migrate_pages"))
				sscanf(a, "%*s %lu %lu", &s.oldmask, &s.newmask);
			else if (!strcmp(s.call, "mbind"))
				sscanf(a, "%*s %d %d %lu %ld", &s.mbind_map, &s.mbind_mode,
				       &s.mbind_mask, &s.flags);
			break;
		case 'G':
			sscanf(a, "%d %d %d", &s.tg[s.ntg][0], &s.tg[s.ntg][1], &s.tg[s.ntg][2]);
			s.ntg++;
			break;
		case 'E': {
			pid_t w = fork();
			int wst;
			if (w == 0) {
				run(&s);
				_exit(0);
			}
			waitpid(w, &wst, 0);
			if (!WIFEXITED(wst) || WEXITSTATUS(wst))
				printf("PAGEMIG R name=%s crashed=%d\n", s.name, wst);
			n++;
			break;
		}
		default:
			break;
		}
	}
	printf("PAGEMIG DONE scenarios=%d\n", n);
	return 0;
}
