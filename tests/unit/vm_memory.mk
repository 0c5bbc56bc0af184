UNIT_TESTS += test_vm_memory
test_vm_memory_SRCS := core/vm_memory.c core/vm_ram.c core/page_pool.c core/page_alloc.c arch/arm64/stage2.c lib/errno.c lib/printf.c lib/string.c $(ARCH_FAKE_SRCS)
test_vm_memory_LIBS :=
