/* g. Keeps working for a while, whatever the other VM does. */
#include "guest.h"

int main(void)
{
	u64 start = now_ticks(), sum = 0;

	gprintf("survivor start %llu\n", (unsigned long long)start);
	for (int round = 0; round < 10; round++) {
		delay_ms(150);
		for (u64 i = 0; i < 10000; i++)
			sum += i;
	}
	check(sum == 10 * (10000ULL * 9999 / 2), "work done after the other VM's end");
	check(now_ticks() - start >= ticks_per_sec(), "ran for at least a second");
	gprintf("survivor end %llu\n", (unsigned long long)now_ticks());
	return 0;
}
