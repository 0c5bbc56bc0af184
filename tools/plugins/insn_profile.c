/*
 * insn_profile: a QEMU TCG plugin that counts executed instructions, split
 * into hyparm's own (EL2) and the guests', with a count per hyparm
 * instruction so tools/profile.py can say which functions they are in.
 *
 * Which instructions are hyparm's: hyparm runs from its load address with
 * an identity map, so its code has the same virtual and physical address;
 * a guest's code may sit at the same virtual address (a bare-metal guest's
 * IPA), but never in the same host page. So the plugin learns the host
 * address of hyparm's first instruction (the first block QEMU translates
 * at load=ADDR, the address QEMU's boot stub jumps to) and calls an
 * instruction hyparm's when its host address lies in hyparm's image.
 * Guest instructions are split by virtual address: kernel half (bit 63
 * set: a Linux kernel at EL1) and the rest (user space, or a bare-metal
 * guest).
 *
 * Arguments: load=ADDR (hyparm's load address), size=BYTES (its image),
 * out=FILE (per-instruction counts: "offset count" lines, offsets from
 * load). With -icount, QEMU runs one vCPU thread at a time, so the inline
 * counters need no atomics.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_API_VERSION;

static uint64_t load, size;
static const char *out_path;
static const char *hyparm_haddr; /* host address of the instruction at load; NULL until seen */
static uint64_t *per_insn; /* size / 4 counters */
static uint64_t guest_kernel, guest_other;

static bool in_hyparm(const void *haddr)
{
	return hyparm_haddr && (const char *)haddr >= hyparm_haddr &&
		(const char *)haddr < hyparm_haddr + size;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct qemu_plugin_insn *first = qemu_plugin_tb_get_insn(tb, 0);

	(void)id;
	if (!hyparm_haddr && qemu_plugin_insn_vaddr(first) == load)
		hyparm_haddr = qemu_plugin_insn_haddr(first);
	if (in_hyparm(qemu_plugin_insn_haddr(first))) {
		/* A block never spans hyparm's image and a guest page: count each instruction where it is. */
		for (size_t i = 0; i < n; i++) {
			struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
			size_t idx = (size_t)((const char *)qemu_plugin_insn_haddr(insn) - hyparm_haddr) / 4;

			if (idx < size / 4)
				qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
									   &per_insn[idx], 1);
		}
		return;
	}
	qemu_plugin_register_vcpu_tb_exec_inline(
		tb, QEMU_PLUGIN_INLINE_ADD_U64,
		(qemu_plugin_tb_vaddr(tb) >> 63) ? &guest_kernel : &guest_other, n);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	uint64_t hv = 0;
	char line[160];
	FILE *f = out_path ? fopen(out_path, "w") : NULL;

	(void)id;
	(void)udata;
	for (uint64_t i = 0; i < size / 4; i++) {
		hv += per_insn[i];
		if (f && per_insn[i])
			fprintf(f, "0x%" PRIx64 " %" PRIu64 "\n", i * 4, per_insn[i]);
	}
	if (f) {
		fprintf(f, "# hyparm %" PRIu64 " guest-kernel %" PRIu64 " guest-other %" PRIu64 "\n", hv,
			guest_kernel, guest_other);
		fclose(f);
	}
	snprintf(line, sizeof(line),
		 "insn_profile: hyparm %" PRIu64 ", guest kernel half %" PRIu64 ", guest other %" PRIu64
		 "%s\n",
		 hv, guest_kernel, guest_other, hyparm_haddr ? "" : " (hyparm's load address never ran)");
	qemu_plugin_outs(line);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
					   char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "load=", 5))
			load = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "size=", 5))
			size = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
		else {
			fprintf(stderr, "insn_profile: unknown argument '%s' (load=, size=, out=)\n",
				argv[i]);
			return -1;
		}
	}
	if (!load || !size) {
		fprintf(stderr, "insn_profile: needs load=ADDR and size=BYTES\n");
		return -1;
	}
	per_insn = calloc(size / 4 + 1, sizeof(*per_insn));
	if (!per_insn)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
