/*
 * echo: reports every byte typed on its console ("echo: 0xNN"), for the
 * console-focus and monitor tests; 'q' powers it off. It says "echo up"
 * at every boot, so a test sees a restart.
 */
#include "guest.h"

#define UART_DR (UART_BASE + 0x00)
#define UART_FR (UART_BASE + 0x18)
#define FR_RXFE (1u << 4)

static inline u32 rd32(u64 a)
{
	return *(volatile u32 *)a;
}

int main(void)
{
	gprintf("echo up\n");
	for (;;) {
		if (rd32(UART_FR) & FR_RXFE) {
			cpu_relax();
			continue;
		}
		u8 c = (u8)rd32(UART_DR);
		gprintf("echo: 0x%02x\n", c);
		if (c == 'q')
			return 0;
	}
}
