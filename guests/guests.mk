# Bare-metal test guests: raw binaries linked at 0x40080000 (guest RAM + 512 KiB).
GUEST_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-builtin -nostdlib -mgeneral-regs-only \
	-fno-stack-protector -mstrict-align -fno-delete-null-pointer-checks \
	-fno-isolate-erroneous-paths-dereference -Wall -Wextra -Werror -Wno-unused-parameter \
	-Iguests/lib -Iinclude -Iarch/arm64/include
GUEST_LIB_SRCS := guests/lib/start.S guests/lib/vectors.S guests/lib/guest.c guests/lib/gic.c lib/printf.c lib/string.c
GUEST_LIB_OBJS := $(patsubst %,$(B)/guests/obj/%.o,$(GUEST_LIB_SRCS))
GUEST_NAMES := $(basename $(notdir $(wildcard guests/tests/*.c)))
GUEST_BINS := $(addprefix $(B)/guests/,$(addsuffix .bin,$(GUEST_NAMES)))
# The benchmark guest (guests/bench): same runtime, run by `make bench`.
GUEST_BINS += $(B)/guests/bench.bin

guests: $(GUEST_BINS)

$(B)/guests/obj/%.c.o: %.c $(wildcard guests/lib/*.h)
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $<"
	@$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(B)/guests/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  GUESTAS $<"
	@$(CC) -D__ASSEMBLER__ -c $< -o $@

$(B)/guests/%.elf: $(B)/guests/obj/guests/tests/%.c.o $(GUEST_LIB_OBJS) guests/lib/guest.ld
	@$(LD) -nostdlib -static --no-warn-rwx-segments -T guests/lib/guest.ld -o $@ $< $(GUEST_LIB_OBJS)

$(B)/guests/bench.elf: $(B)/guests/obj/guests/bench/bench.c.o $(GUEST_LIB_OBJS) guests/lib/guest.ld
	@$(LD) -nostdlib -static --no-warn-rwx-segments -T guests/lib/guest.ld -o $@ $< $(GUEST_LIB_OBJS)

$(B)/guests/%.bin: $(B)/guests/%.elf
	@$(OBJCOPY) -O binary $< $@
	@echo "  GUEST   $@"
.SECONDARY:
