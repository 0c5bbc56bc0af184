/*
 * The virtual PL011 as a device of the registry: the register model
 * (vpl011.c) at GUEST_UART_IPA, its output on the VM's console line, its
 * interrupt on SPI GUEST_UART_INTID, and its receive FIFO fed by the
 * console when the VM has input focus.
 */
#include <hyparm/console.h>
#include <hyparm/errno.h>
#include <hyparm/irqchip.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <vdev/vpl011.h>

struct uart_dev {
	struct vm *vm;
	struct vpl011 uart;
	spinlock_t lock; /* the model is touched by the VM's vCPUs and by console input (another CPU) */
	struct console_port port;
};

static struct uart_dev uarts[VM_MAX];

static void uart_tx(void *ctx, u8 c)
{
	console_vm_putc(ctx, c);
}

static void uart_irq(void *ctx, bool level)
{
	vm_irq_line(ctx, NULL, GUEST_UART_INTID, level);
}

static int uart_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct uart_dev *u = dev;

	spin_lock(&u->lock);
	int rc = vpl011_mmio_ops.read(&u->uart, v, off, size, val);
	spin_unlock(&u->lock);
	if (off == UART_DR)
		console_input_resume(u->vm); /* a byte left the receive FIFO: room for more */
	return rc;
}

static int uart_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct uart_dev *u = dev;

	spin_lock(&u->lock);
	int rc = vpl011_mmio_ops.write(&u->uart, v, off, size, val);
	spin_unlock(&u->lock);
	return rc;
}

static const struct mmio_ops uart_ops = { .read = uart_read, .write = uart_write };

/* Console input: a byte for this VM; false if its receive FIFO is full. */
static bool uart_rx(void *ctx, u8 c)
{
	struct uart_dev *u = ctx;

	spin_lock(&u->lock);
	bool taken = vpl011_rx_push(&u->uart, c);
	spin_unlock(&u->lock);
	return taken;
}

/* Does the guest drain its FIFO on receive interrupts (so holding input back until it reads is safe)? */
static bool uart_drains(void *ctx)
{
	struct uart_dev *u = ctx;
	return u->uart.imsc & UART_INT_RX;
}

static void uart_reset(struct vdev *d)
{
	struct uart_dev *u = d->state;

	vpl011_init(&u->uart, uart_tx, u->vm);
	u->uart.irq_update = uart_irq;
	u->uart.irq_ctx = u->vm;
}

static int uart_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct uart_dev *u = &uarts[vm->id];
	int rc;

	*u = (struct uart_dev){ .vm = vm,
				.lock = SPINLOCK_INIT,
				.port = { .rx = uart_rx, .drains = uart_drains, .ctx = u } };
	d->state = u;
	uart_reset(d);
	rc = mmio_bus_add(&vm->mmio, GUEST_UART_IPA, GUEST_UART_SIZE, &uart_ops, u, "pl011");
	if (rc) {
		hv_snprintf(err, errlen, "vm %s: cannot place the PL011 (%s)", vm->name, hv_strerror(rc));
		return rc;
	}
	console_attach(vm, &u->port);
	return HV_OK;
}

static const struct vdev_type pl011_type = {
	.name = "pl011",
	.create = uart_create,
	.reset = uart_reset,
};
VDEV_REGISTER(pl011_type);
