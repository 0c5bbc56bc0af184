UNIT_TESTS += test_restart
test_restart_SRCS := core/restart.c
