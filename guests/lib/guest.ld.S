/*
 * Test guests: raw binaries entered at their first byte, where hyparm and
 * the KVM runner put a raw image. Run through the C preprocessor
 * (guests/guests.mk) for the addresses of hyparm/guest_layout.h.
 */
#include <hyparm/guest_layout.h>

ENTRY(_start)
SECTIONS
{
	. = GUEST_RAM_IPA + GUEST_RAW_IMAGE_OFFSET;
	.text : { KEEP(*(.text.start)) *(.text .text.*) }
	.rodata : { *(.rodata .rodata.*) }
	.data : { *(.data .data.*) }
	. = ALIGN(16);
	__bss_start = .;
	.bss : { *(.bss .bss.* COMMON) }
	. = ALIGN(16);
	__bss_end = .;
	. = ALIGN(4096);
	.stack (NOLOAD) : { . = . + 0x8000; }
	__stack_top = .;
	/* Stacks for secondary vCPUs: 16 KiB each, above the boot stack. */
	__secondary_stacks = .;
	__image_end = .;
	/DISCARD/ : { *(.comment) *(.note.*) *(.eh_frame*) }
}
