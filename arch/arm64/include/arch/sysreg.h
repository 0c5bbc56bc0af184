/* System-register access and barriers for EL2 code (never included by host tests). */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <hyparm/types.h>

/* r may itself be a macro (hyparm/gic_regs.h names the ICC_* registers by encoding): expand it, then stringify. */
#define __sysreg_name(r) #r
#define read_sysreg(r) \
	({ \
		u64 __v; \
		__asm__ volatile("mrs %0, " __sysreg_name(r) : "=r"(__v)); \
		__v; \
	})
#define write_sysreg(r, v) __asm__ volatile("msr " __sysreg_name(r) ", %0" : : "r"((u64)(v)))

#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#define dmb(opt) __asm__ volatile("dmb " #opt ::: "memory")
#define wfi() __asm__ volatile("wfi" ::: "memory")
#define wfe() __asm__ volatile("wfe" ::: "memory")
#define sev() __asm__ volatile("sev" ::: "memory")

/* HCR_EL2 bits hyparm uses (ARM ARM D13.2.46). */
#define HCR_VM BIT(0) /* stage-2 translation on */
#define HCR_SWIO BIT(1) /* set/way invalidate -> clean+invalidate */
#define HCR_PTW BIT(2)
#define HCR_FMO BIT(3) /* physical FIQ -> EL2, virtual FIQ to guest */
#define HCR_IMO BIT(4) /* physical IRQ -> EL2, virtual IRQ to guest */
#define HCR_AMO BIT(5) /* physical SError -> EL2 */
#define HCR_VF BIT(6)
#define HCR_VI BIT(7)
#define HCR_VSE BIT(8)
#define HCR_FB BIT(9) /* broadcast TLB/cache maintenance within the inner shareable domain */
#define HCR_BSU_IS (1UL << 10)
#define HCR_DC BIT(12)
#define HCR_TWI BIT(13)
#define HCR_TWE BIT(14)
#define HCR_TID0 BIT(15)
#define HCR_TID1 BIT(16)
#define HCR_TID2 BIT(17)
#define HCR_TID3 BIT(18)
#define HCR_TSC BIT(19)
#define HCR_TIDCP BIT(20)
#define HCR_TACR BIT(21)
#define HCR_TSW BIT(22)
#define HCR_TPCP BIT(23)
#define HCR_TPU BIT(24)
#define HCR_TTLB BIT(25)
#define HCR_TVM BIT(26)
#define HCR_TGE BIT(27)
#define HCR_TDZ BIT(28)
#define HCR_HCD BIT(29)
#define HCR_TRVM BIT(30)
#define HCR_RW BIT(31) /* EL1 is AArch64 */
#define HCR_TERR BIT(36)
#define HCR_TEA BIT(37)
#define HCR_APK BIT(40)
#define HCR_API BIT(41)
#define HCR_FWB BIT(46)
#define HCR_ATA BIT(56) /* EL1/EL0 may use allocation tags and the MTE registers (FEAT_MTE2) */

/* ID_AA64MMFR0_EL1 */
#define MMFR0_PARANGE(v) ((unsigned)((v)&0xF))

#endif
