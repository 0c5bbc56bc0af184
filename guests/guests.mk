# Bare-metal test guests: raw binaries linked where a raw image is loaded
# (GUEST_RAM_IPA + GUEST_RAW_IMAGE_OFFSET, include/hyparm/guest_layout.h).
GUEST_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-builtin -nostdlib -mgeneral-regs-only \
	-fno-stack-protector -mstrict-align -fno-delete-null-pointer-checks \
	-fno-isolate-erroneous-paths-dereference -Wall -Wextra -Werror -Wmissing-prototypes -Wno-unused-parameter \
	-Iguests/lib -Iinclude -Iarch/arm64/include
GUEST_LIB_SRCS := guests/lib/start.S guests/lib/vectors.S guests/lib/guest.c guests/lib/gic.c guests/lib/timer.c lib/printf.c lib/string.c
GUEST_LIB_OBJS := $(patsubst %,$(B)/guests/obj/%.o,$(GUEST_LIB_SRCS))
GUEST_NAMES := $(basename $(notdir $(wildcard guests/tests/*.c)))
GUEST_BINS := $(addprefix $(B)/guests/,$(addsuffix .bin,$(GUEST_NAMES)))
# The benchmark guest (guests/bench): same runtime, run by `make bench`; bench-anygic also on a virtual GICv2.
GUEST_BINS += $(B)/guests/bench.bin $(B)/guests/bench-anygic.bin

# The flash test runs as a firmware VM: guests/firmware/stub.S in flash copies it into RAM.
GUEST_BINS += $(B)/guests/flash-fw.bin

guests: $(GUEST_BINS)

$(B)/guests/obj/%.c.o: %.c $(wildcard guests/lib/*.h guests/tests/*/*.h) include/hyparm/guest_layout.h include/hyparm/gic_regs.h
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $<"
	@$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(B)/guests/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  GUESTAS $<"
	@$(CC) -D__ASSEMBLER__ -c $< -o $@

# The linker script takes its addresses from the C header: preprocess it.
GUEST_LDS := $(B)/guests/guest.ld
$(GUEST_LDS): guests/lib/guest.ld.S include/hyparm/guest_layout.h
	@mkdir -p $(dir $@)
	@$(CC) -E -P -x assembler-with-cpp -D__ASSEMBLER__ -Iinclude $< -o $@

$(B)/guests/%.elf: $(B)/guests/obj/guests/tests/%.c.o $(GUEST_LIB_OBJS) $(GUEST_LDS)
	@$(LD) -nostdlib -static --no-warn-rwx-segments -T $(GUEST_LDS) -o $@ $(filter %.o,$^)

# A guest may be more than one file: guests/tests/NAME.c and guests/tests/NAME/*.c.
define guest_parts
$(B)/guests/$(1).elf: $(patsubst %,$(B)/guests/obj/%.o,$(wildcard guests/tests/$(1)/*.c))
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call guest_parts,$(g))))

$(B)/guests/bench.elf: $(B)/guests/obj/guests/bench/bench.c.o $(GUEST_LIB_OBJS) $(GUEST_LDS)
	@$(LD) -nostdlib -static --no-warn-rwx-segments -T $(GUEST_LDS) -o $@ $< $(GUEST_LIB_OBJS)

$(B)/guests/obj/guests/bench/bench-anygic.c.o: guests/bench/bench.c $(wildcard guests/lib/*.h) include/hyparm/guest_layout.h include/hyparm/gic_regs.h
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $< (BENCH_ANY_GIC)"
	@$(CC) $(GUEST_CFLAGS) -DBENCH_ANY_GIC -c $< -o $@

$(B)/guests/bench-anygic.elf: $(B)/guests/obj/guests/bench/bench-anygic.c.o $(GUEST_LIB_OBJS) $(GUEST_LDS)
	@$(LD) -nostdlib -static --no-warn-rwx-segments -T $(GUEST_LDS) -o $@ $< $(GUEST_LIB_OBJS)

$(B)/guests/%.bin: $(B)/guests/%.elf
	@$(OBJCOPY) -O binary $< $@
	@echo "  GUEST   $@"
.SECONDARY:

$(B)/guests/flash-fw.bin: guests/firmware/stub.S $(B)/guests/flash.bin include/hyparm/guest_layout.h
	@mkdir -p $(B)/guests/obj/guests/firmware
	@$(CC) -D__ASSEMBLER__ -Iinclude -DPAYLOAD='"$(B)/guests/flash.bin"' -c $< -o $(B)/guests/obj/guests/firmware/stub.o
	@$(LD) -nostdlib -static --no-warn-rwx-segments -Ttext=0 -e _start -o $(B)/guests/flash-fw.elf $(B)/guests/obj/guests/firmware/stub.o
	@$(OBJCOPY) -O binary $(B)/guests/flash-fw.elf $@
	@echo "  GUEST   $@"
