/*
 * hyparm's first instructions. The boot loader (QEMU -kernel, U-Boot booti)
 * enters here at the start of the image, with:
 *   x0 = physical address of the device tree, MMU and D-cache off,
 *   on one CPU, at the exception level it chose (must be EL2).
 * The image is linked at 0 and position independent: we apply our own
 * relative relocations before any C code reads a pointer from data.
 */
#include <arch/cpu.h>

#define R_AARCH64_RELATIVE 1027

	.section .text.head, "ax"
	.globl _start
_start:
	/* arm64 Image header (Documentation/arm64/booting.rst). */
	b	primary_entry			// code0: branch over the header
	.long	0				// code1
	.quad	0				// text_offset: load at a 2 MiB aligned base
	.quad	__image_size			// image_size, bss included (hyparm.ld)
	.quad	0xA				// flags: little endian, 4K pages, anywhere in RAM
	.quad	0, 0, 0				// res2..res4
	.ascii	"ARM\x64"			// magic
	.long	0				// res5 (no PE header)

	.text
primary_entry:
	mov	x19, x0				// x19 = DTB PA, kept across the calls below
	adr	x20, _start			// x20 = where we were loaded (PA)
	bl	apply_relocations		// clobbers x0-x5 only
	bl	clear_bss			// clobbers x0-x1 only

	adrp	x0, boot_stacks			// CPU 0's stack: top of the first slot
	add	x0, x0, :lo12:boot_stacks
	add	sp, x0, #PCPU_STACK_SLOT
	mov	x29, xzr			// frame-pointer chain ends here (backtraces)
	mov	x30, xzr

	mrs	x2, CurrentEL
	lsr	x2, x2, #2			// x2 = exception level we run at
	mov	x0, x19				// x0 = DTB
	mov	x1, x20				// x1 = load address
	cmp	x2, #2
	b.ne	1f
	msr	tpidr_el2, xzr			// no struct pcpu yet (the fault vectors test it); EL2 only
	bl	boot_main			// never returns
	b	.
1:	bl	boot_wrong_el			// prints why and stops; never returns
	b	.

/*
 * Secondary CPUs start here through the firmware's PSCI CPU_ON with
 * x0 = context id = the CPU's index. The primary CPU has relocated the
 * image and built the EL2 page tables already.
 */
	.globl secondary_entry
secondary_entry:
	msr	tpidr_el2, xzr
	mov	x19, x0				// x19 = CPU index
	adrp	x1, boot_stacks
	add	x1, x1, :lo12:boot_stacks
	add	x2, x19, #1
	mov	x3, #PCPU_STACK_SLOT
	madd	x1, x2, x3, x1			// x1 = boot_stacks + (index + 1) * slot
	mov	sp, x1
	mov	x29, xzr
	mov	x30, xzr
	mov	x0, x19
	bl	secondary_main			// never returns
	b	.

/*
 * For each Elf64_Rela {offset, info, addend} in .rela.dyn: if the type
 * is R_AARCH64_RELATIVE, store load address + addend at load address + offset.
 * x20 = load address. Uses x0-x5.
 */
apply_relocations:
	adrp	x0, __rela_start
	add	x0, x0, :lo12:__rela_start	// x0 = current entry
	adrp	x1, __rela_end
	add	x1, x1, :lo12:__rela_end	// x1 = end of table
1:	cmp	x0, x1
	b.hs	2f
	ldp	x2, x3, [x0], #16		// x2 = r_offset, x3 = r_info
	ldr	x4, [x0], #8			// x4 = r_addend
	cmp	w3, #R_AARCH64_RELATIVE		// type is the low 32 bits of r_info
	b.ne	1b
	add	x4, x4, x20			// x4 = relocated value
	str	x4, [x2, x20]			// *(load + offset) = value
	b	1b
2:	ret

/* Zero [__bss_start, __bss_end) (16-byte aligned both). Uses x0-x1. */
clear_bss:
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:	ret

	.bss
	.balign	4096				// the guard pages are whole pages
	.globl boot_stacks
boot_stacks:					// per CPU: guard page (unmapped by mmu.c), then the stack
	.space	PCPU_STACK_SLOT * MAX_PCPUS
	.balign	16
	.globl emergency_stacks
emergency_stacks:				// hyparm's own exceptions run here (entry.S)
	.space	PCPU_EMERGENCY_STACK_SIZE * MAX_PCPUS
