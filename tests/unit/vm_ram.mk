UNIT_TESTS += test_vm_ram
test_vm_ram_SRCS := core/vm_ram.c arch/arm64/stage2.c lib/errno.c $(ARCH_FAKE_SRCS)
test_vm_ram_LIBS :=
