// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD on the VM and vCPU fds (core/stats_fd.c): the binary
 * stats format of KVM's api.rst, checked as Linux's kvm_binary_stats_test
 * checks it (header, id, descriptors, data block, reads at any offset),
 * and "halt_exits", which KVM and minikvm both count, moving when the
 * guest halts.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "minikvm_test.h"
#include "kvm_util.h"

asm(GUEST_ASM_BEGIN(stats_guest, ".code16")
	"hlt\n"
	"hlt\n"
	"hlt\n"
	GUEST_ASM_END(stats_guest));
GUEST_CODE(stats_guest);

struct stats {
	struct kvm_stats_header h;
	char *id;
	char *desc;		/* num_desc descriptors */
	size_t desc_size;	/* each, name included */
	uint64_t *data;
	size_t data_size;
};

static struct kvm_stats_desc *stats_desc(struct stats *s, unsigned int i)
{
	return (struct kvm_stats_desc *)(s->desc + i * s->desc_size);
}

/*
 * Read and check the layout with read() from offset 0, then pread(), as
 * kvm_binary_stats_test does. Returns 0, or the line of the check that
 * failed.
 */
static int stats_read(int fd, struct stats *s)
{
	unsigned int i;
	char c;

	memset(s, 0, sizeof(*s));
	if (read(fd, &s->h, sizeof(s->h)) != sizeof(s->h))
		return __LINE__;
	if (s->h.id_offset != sizeof(s->h) || !s->h.name_size || !s->h.num_desc)
		return __LINE__;
	s->id = calloc(1, s->h.name_size);
	if (read(fd, s->id, s->h.name_size) != s->h.name_size)
		return __LINE__;
	if (strncmp(s->id, "kvm", 3) || strlen(s->id) >= s->h.name_size)
		return __LINE__;
	if (s->h.desc_offset < sizeof(s->h) || s->h.data_offset < sizeof(s->h))
		return __LINE__;
	s->desc_size = sizeof(struct kvm_stats_desc) + s->h.name_size;
	if (s->h.desc_offset < s->h.data_offset &&
	    s->h.desc_offset + s->desc_size * s->h.num_desc > s->h.data_offset)
		return __LINE__;
	s->desc = calloc(s->h.num_desc, s->desc_size);
	if (pread(fd, s->desc, s->desc_size * s->h.num_desc, s->h.desc_offset) !=
	    (ssize_t)(s->desc_size * s->h.num_desc))
		return __LINE__;
	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = stats_desc(s, i);
		uint32_t type = d->flags & KVM_STATS_TYPE_MASK;

		if (strnlen(d->name, s->h.name_size) >= s->h.name_size || !d->name[0])
			return __LINE__;
		if (type > KVM_STATS_TYPE_MAX ||
		    (d->flags & KVM_STATS_UNIT_MASK) > KVM_STATS_UNIT_MAX ||
		    (d->flags & KVM_STATS_BASE_MASK) > KVM_STATS_BASE_MAX)
			return __LINE__;
		if ((d->flags & KVM_STATS_UNIT_MASK) == KVM_STATS_UNIT_NONE && d->exponent < 0)
			return __LINE__;
		if (!d->size)
			return __LINE__;
		if ((type == KVM_STATS_TYPE_LINEAR_HIST) != !!d->bucket_size)
			return __LINE__;
		s->data_size += d->size * sizeof(uint64_t);
	}
	if (s->h.data_offset < s->h.desc_offset &&
	    s->h.data_offset + s->data_size > s->h.desc_offset)
		return __LINE__;
	for (i = 0; i < s->h.num_desc; i++)
		if (stats_desc(s, i)->offset >= s->data_size)
			return __LINE__;
	s->data = calloc(1, s->data_size);
	if (pread(fd, s->data, s->data_size, s->h.data_offset) != (ssize_t)s->data_size)
		return __LINE__;
	/* The data block, last, is exactly the descriptors' sizes long. */
	if (s->h.data_offset > s->h.desc_offset &&
	    pread(fd, &c, 1, s->h.data_offset + s->data_size) != 0)
		return __LINE__;
	return 0;
}

static void stats_free(struct stats *s)
{
	free(s->id);
	free(s->desc);
	free(s->data);
}

/* The first u64 of the stat called @name, read on its own; -1 if absent. */
static int64_t stat_get(int fd, struct stats *s, const char *name)
{
	unsigned int i;
	uint64_t v;

	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = stats_desc(s, i);

		if (strcmp(d->name, name))
			continue;
		if (pread(fd, &v, sizeof(v), s->h.data_offset + d->offset) != sizeof(v))
			return -1;
		return v;
	}
	return -1;
}

TEST(binary_stats_fd_is_reported)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);

	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD));
	EXPECT_EQ(1, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD));
	vm_free(vm);
}

TEST(vm_and_vcpu_stats_layout)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	int fds[2], i;

	fds[0] = ioctl(vm->fd, KVM_GET_STATS_FD, NULL);
	fds[1] = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
	for (i = 0; i < 2; i++) {
		struct stats s;

		ASSERT_LE(0, fds[i]);
		EXPECT_EQ(O_RDONLY, fcntl(fds[i], F_GETFL) & O_ACCMODE);
		EXPECT_EQ(FD_CLOEXEC, fcntl(fds[i], F_GETFD));
		EXPECT_EQ(0, stats_read(fds[i], &s)) TH_LOG("fd %d", i);
		if (i) {
			ASSERT_NE(NULL, strchr(s.id, '/'));
			EXPECT_EQ(0, strcmp(strchr(s.id, '/'), "/vcpu-0"));
		} else {
			EXPECT_EQ(NULL, strchr(s.id, '/'));
		}
		stats_free(&s);
		close(fds[i]);
		EXPECT_EQ(-1, fcntl(fds[i], F_GETFD));
	}
	vcpu_free(vcpu);
	vm_free(vm);
}

/* Any offset and length, through the end; past the end reads nothing. */
TEST(reads_at_any_offset)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	int fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
	const size_t room = 1 << 20;
	char *whole = malloc(room), part[64];
	ssize_t size;
	char c;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, whole);
	size = pread(fd, whole, room, 0);
	ASSERT_LT(sizeof(struct kvm_stats_header), size);
	ASSERT_GT((ssize_t)room, size);
	/* Header and id do not change between reads. */
	EXPECT_EQ(7, pread(fd, part, 7, 5));
	EXPECT_EQ(0, memcmp(part, whole + 5, 7));
	EXPECT_EQ(3, pread(fd, part, sizeof(part), size - 3));
	EXPECT_EQ(0, pread(fd, &c, 1, size));
	EXPECT_EQ(0, pread(fd, &c, 1, size + 4096));
	EXPECT_EQ(-1, write(fd, &c, 1));
	free(whole);
	close(fd);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* halt_exits counts on the vCPU, and the VM's stats fd outlives the VM fd. */
TEST(halt_exits_counted)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	int vfd = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
	int mfd = ioctl(vm->fd, KVM_GET_STATS_FD, NULL);
	struct stats vs, ms;
	int64_t before;
	int i;

	ASSERT_LE(0, vfd);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, stats_read(vfd, &vs));
	ASSERT_EQ(0, stats_read(mfd, &ms));
	before = stat_get(vfd, &vs, "halt_exits");
	ASSERT_LE(0, before);

	vm_load_guest(vm, CODE_GPA, stats_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	for (i = 0; i < 3; i++) {
		vcpu_run(vcpu);
		ASSERT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	}
	EXPECT_EQ(before + 3, stat_get(vfd, &vs, "halt_exits"));
	if (test_dev_is_minikvm()) {
		/* minikvm's VM stats sum its vCPUs'; KVM has no VM halt_exits. */
		EXPECT_EQ(before + 3, stat_get(mfd, &ms, "halt_exits"));
		EXPECT_LE(3, stat_get(vfd, &vs, "exits_to_user"));
	}

	vcpu_free(vcpu);
	vm_free(vm);
	/* The stats fds hold the VM: still readable, same counts. */
	if (test_dev_is_minikvm())
		EXPECT_EQ(before + 3, stat_get(mfd, &ms, "halt_exits"));
	EXPECT_EQ(before + 3, stat_get(vfd, &vs, "halt_exits"));
	stats_free(&vs);
	stats_free(&ms);
	close(vfd);
	close(mfd);
}

MINIKVM_TEST_MAIN
