/*
 * The GIC register map (GICv3: ARM IHI 0069; GICv2: ARM IHI 0048), named
 * as the architecture specifications name the registers and fields: one
 * definition for the physical drivers (drivers/gicv3.c, drivers/gicv2.c),
 * the vGIC (vdev/vgic/), the list-register backends and the bare-metal
 * test guests. Plain #defines of plain numbers only (no BIT(),
 * no C suffixes that the assembler would reject), so that assembly and
 * guests without hyparm's types include it too.
 *
 * Offsets are from the frame that holds the register: GICD_* from the
 * distributor's base, GICR_* from a redistributor's RD_base or, for the
 * per-interrupt arrays of SGIs and PPIs, from its SGI_base frame
 * (GICR_SGI_BASE above RD_base). The SGI_base arrays sit at the same
 * offsets as the distributor's: GICR_ISENABLER0 == GICD_ISENABLER, and so
 * on, which is what lets code pick "the bank holding INTID n" and add one
 * offset.
 */
#ifndef HYPARM_GIC_REGS_H
#define HYPARM_GIC_REGS_H

/* ---- INTID ranges ---- */
#define GIC_NR_SGIS 16
#define GIC_NR_PRIVATE 32 /* SGIs 0-15, PPIs 16-31 */
#define GIC_INTID_SPURIOUS 1023

/* ---- Distributor (GICD_*) ---- */
#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_TYPER2 0x000C
#define GICD_STATUSR 0x0010
#define GICD_IGROUPR 0x0080 /* 1 bit per INTID */
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_ISACTIVER 0x0300
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400 /* 1 byte per INTID */
#define GICD_ITARGETSR 0x0800
#define GICD_ICFGR 0x0C00 /* 2 bits per INTID */
#define GICD_IGRPMODR 0x0D00
#define GICD_IROUTER 0x6000 /* 8 bytes per INTID (SPIs only) */
#define GICD_PIDR2 0xFFE8

/* GICv2 only: software-generated interrupts through the distributor, and its ID register. */
#define GICD_SGIR 0x0F00
#define GICD_CPENDSGIR 0x0F10 /* 1 byte per SGI: bit n = pending from CPU interface n */
#define GICD_SPENDSGIR 0x0F20
#define GICD_V2_PIDR2 0x0FE8
#define GICD_V2_SIZE 0x1000

/* GICD_SGIR */
#define GICD_SGIR_INTID_MASK 0xF
#define GICD_SGIR_NSATT 0x8000 /* forward only if the SGI is Group 1 */
#define GICD_SGIR_TARGETS_SHIFT 16 /* CPUTargetList: bit n = CPU interface n */
#define GICD_SGIR_TARGETS_MASK 0xFF
#define GICD_SGIR_FILTER_SHIFT 24 /* TargetListFilter */
#define GICD_SGIR_FILTER_MASK 0x3
#define GICD_SGIR_FILTER_LIST 0
#define GICD_SGIR_FILTER_OTHERS 1
#define GICD_SGIR_FILTER_SELF 2

/* GICD_TYPER (GICv2) */
#define GICD_TYPER_CPUS_SHIFT 5 /* CPUNumber: CPU interfaces - 1 */
#define GICD_TYPER_SECURITY_EXTN 0x400 /* the GIC has two security states (hyparm is then Non-secure) */

/* GICD_CTLR, the view with a single security state (DS = 1) or the non-secure one. */
#define GICD_CTLR_ENABLE_GRP0 0x00000001
#define GICD_CTLR_ENABLE_GRP1 0x00000002
#define GICD_CTLR_ARE 0x00000010
#define GICD_CTLR_DS 0x00000040
#define GICD_CTLR_RWP 0x80000000

/* GICD_TYPER */
#define GICD_TYPER_ITLINES_MASK 0x1F /* ITLinesNumber: 32 * (N + 1) INTIDs */
#define GICD_TYPER_IDBITS_SHIFT 19 /* IDbits: INTID width - 1 */

/* GICD_IROUTER */
#define GICD_IROUTER_IRM 0x80000000 /* Interrupt_Routing_Mode: any participating PE */

/* ---- Redistributor, RD_base frame (GICR_*) ---- */
#define GICR_CTLR 0x0000
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008 /* 64 bits */
#define GICR_STATUSR 0x0010
#define GICR_WAKER 0x0014
#define GICR_PIDR2 0xFFE8

/* GICR_TYPER */
#define GICR_TYPER_LAST 0x10 /* the last redistributor of its region */
#define GICR_TYPER_PROCNUM_SHIFT 8
#define GICR_TYPER_AFF_SHIFT 32 /* Affinity_Value: Aff3.Aff2.Aff1.Aff0 */

/* LPIs (GICv3 without VLPIs): GICR_CTLR.EnableLPIs, GICR_TYPER.PLPIS, the LPI tables (RD_base). */
#define GICR_CTLR_ENABLE_LPIS 0x1
#define GICR_TYPER_PLPIS 0x1
#define GICR_PROPBASER 0x0070 /* 64 bits: LPI configuration table, IDbits in [4:0] */
#define GICR_PENDBASER 0x0078 /* 64 bits: LPI pending table */
#define GICR_PROPBASER_IDBITS_MASK 0x1FULL
#define GICR_BASER_PA_MASK 0x000FFFFFFFFFF000ULL /* PA [51:12] of PROPBASER/PENDBASER */
#define GICR_CTLR_RWP 0x8 /* RD_base: register write pending (never set: writes take effect at once) */
#define GICR_PENDBASER_PA_MASK 0x000FFFFFFFFF0000ULL /* PA [51:16] of PENDBASER */
#define GICR_PENDBASER_PTZ (1ULL << 62) /* write only: the pending table is zero */
/* The memory attribute fields of PROPBASER/PENDBASER: InnerCache [9:7], Shareability [11:10], OuterCache [58:56]. */
#define GICR_BASER_ATTR_MASK 0x0700000000000F80ULL
#define GICD_TYPER_LPIS (1u << 17)
#define GICD_TYPER_NUM_LPIS_SHIFT 11 /* num_LPIs: 2^(N + 1) LPIs, 0 = as many as IDbits allow */
#define GIC_LPI_BASE 8192u /* first LPI INTID */
/* One byte per LPI in the configuration table (PROPBASER): priority [7:2], bit 1 RES1, Enable bit 0. */
#define GIC_LPI_CFG_ENABLE 0x1
#define GIC_LPI_CFG_PRIO_MASK 0xFC

/* GICR_WAKER */
#define GICR_WAKER_PROCESSOR_SLEEP 0x2
#define GICR_WAKER_CHILDREN_ASLEEP 0x4

/* Frames: RD_base then SGI_base, 64 KiB each; a GICv3 (no VLPIs) redistributor spans both. */
#define GICR_SGI_BASE 0x10000
#define GICR_FRAME_SIZE 0x20000

/* ---- Redistributor, SGI_base frame: the SGI/PPI bank (offsets from SGI_base) ---- */
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_ICENABLER0 0x0180
#define GICR_ISPENDR0 0x0200
#define GICR_ICPENDR0 0x0280
#define GICR_ISACTIVER0 0x0300
#define GICR_ICACTIVER0 0x0380
#define GICR_IPRIORITYR 0x0400 /* 32 bytes: INTIDs 0-31 */
#define GICR_ICFGR0 0x0C00 /* SGIs */
#define GICR_ICFGR1 0x0C04 /* PPIs */
#define GICR_IGRPMODR0 0x0D00

/* ---- GICv2 CPU interface (GICC_*, and the guest's view of GICV_*: the same layout) ---- */
#define GICC_CTLR 0x0000
#define GICC_PMR 0x0004
#define GICC_BPR 0x0008
#define GICC_IAR 0x000C
#define GICC_EOIR 0x0010
#define GICC_RPR 0x0014
#define GICC_HPPIR 0x0018
#define GICC_IIDR 0x00FC
#define GICC_DIR 0x1000 /* in the frame's second 4 KiB page */
#define GICC_SIZE 0x2000

/* GICC_CTLR, the view without Security Extensions (or the Secure one) */
#define GICC_CTLR_ENABLE_GRP0 0x001
#define GICC_CTLR_ENABLE_GRP1 0x002
#define GICC_CTLR_ACKCTL 0x004 /* GICC_IAR acknowledges Group 1 interrupts too */
#define GICC_CTLR_FIQEN 0x008 /* Group 0 signalled as FIQ */
#define GICC_CTLR_EOIMODE 0x200 /* EOIR drops priority only, DIR deactivates */

/* GICC_IAR */
#define GICC_IAR_INTID_MASK 0x3FF
#define GICC_IAR_CPUID_SHIFT 10 /* SGIs: the CPU interface that sent it */
#define GICC_IAR_CPUID_MASK 0x7

/* ---- GICv2 virtual interface control (GICH_*, hyparm's only: the vGICv2 list registers) ---- */
#define GICH_HCR 0x0000
#define GICH_VTR 0x0004
#define GICH_VMCR 0x0008
#define GICH_MISR 0x0010
#define GICH_EISR0 0x0020
#define GICH_ELRSR0 0x0030
#define GICH_APR 0x00F0
#define GICH_LR0 0x0100 /* 4 bytes per list register */
#define GICH_SIZE 0x1000

/* GICH_VTR */
#define GICH_VTR_LISTREGS_MASK 0x3F /* list registers - 1 */

/* ---- CPU interface: system registers by encoding (usable by assemblers without GIC names) ---- */
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_BPR1_EL1 S3_0_C12_C12_3
#define ICC_CTLR_EL1 S3_0_C12_C12_4
#define ICC_SRE_EL1 S3_0_C12_C12_5
#define ICC_IGRPEN0_EL1 S3_0_C12_C12_6
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_DIR_EL1 S3_0_C12_C11_1
#define ICC_RPR_EL1 S3_0_C12_C11_3
#define ICC_SGI1R_EL1 S3_0_C12_C11_5
#define ICC_ASGI1R_EL1 S3_0_C12_C11_6
#define ICC_SGI0R_EL1 S3_0_C12_C11_7
#define ICC_SRE_EL2 S3_4_C12_C9_5

/* ICC_IAR1_EL1 */
#define ICC_IAR_INTID_MASK 0xFFFFFF

/* ICC_CTLR_EL1 */
#define ICC_CTLR_EOIMODE 0x2 /* EOIR drops priority only, DIR deactivates */

/* ICC_SRE_EL1 / ICC_SRE_EL2 */
#define ICC_SRE_SRE 0x1
#define ICC_SRE_DFB 0x2
#define ICC_SRE_DIB 0x4
#define ICC_SRE_ENABLE 0x8 /* EL2 only: lower ELs may use ICC_SRE_EL1 */

/* ICC_SGI1R_EL1 (and ICC_ASGI1R_EL1, ICC_SGI0R_EL1): fields are 8 bits unless said otherwise. */
#define ICC_SGI1R_TARGETS_MASK 0xFFFF /* TargetList: bit n = Aff0 (RS * 16 + n) */
#define ICC_SGI1R_AFF1_SHIFT 16
#define ICC_SGI1R_INTID_SHIFT 24 /* 4 bits */
#define ICC_SGI1R_INTID_MASK 0xF
#define ICC_SGI1R_AFF2_SHIFT 32
#define ICC_SGI1R_IRM_SHIFT 40 /* 1 bit: all PEs but self */
#define ICC_SGI1R_RS_SHIFT 44 /* 4 bits: range selector */
#define ICC_SGI1R_RS_MASK 0xF
#define ICC_SGI1R_AFF3_SHIFT 48
#define ICC_SGI1R_AFF_MASK 0xFF

/* ---- ITS (GITS_*, ITS_base frame, 64 KiB control + 64 KiB translation) ---- */
#define GITS_CTLR 0x0000
#define GITS_IIDR 0x0004
#define GITS_TYPER 0x0008 /* 64 bits */
#define GITS_CBASER 0x0080 /* 64 bits: command queue base, Size in 4 KiB pages - 1 */
#define GITS_CWRITER 0x0088
#define GITS_CREADR 0x0090
#define GITS_BASER0 0x0100 /* 8 x 64 bits: device, collection tables */
#define GITS_NR_BASER 8
#define GITS_PIDR2 0xFFE8
#define GITS_TRANSLATER 0x10040 /* in the translation frame: a device's MSI doorbell */
#define GITS_FRAME_SIZE 0x20000

#define GITS_CTLR_ENABLED 0x1
#define GITS_CTLR_QUIESCENT 0x80000000
#define GITS_CREADR_STALLED 0x1 /* a malformed command stopped the queue */
#define GITS_CWRITER_RETRY 0x1
#define GITS_CREADR_OFFSET_MASK 0xFFFE0ULL /* CREADR/CWRITER Offset [19:5]: a multiple of one command */
#define GITS_CMD_SIZE 32u /* one command: four 64-bit words */

/* GITS_TYPER */
#define GITS_TYPER_PHYSICAL 0x1 /* physical LPIs (no GICv4 virtual ones) */
#define GITS_TYPER_ITT_ENTRY_SIZE_SHIFT 4 /* bytes per ITT entry - 1 */
#define GITS_TYPER_IDBITS_SHIFT 8 /* EventID bits - 1 */
#define GITS_TYPER_DEVBITS_SHIFT 13 /* DeviceID bits - 1 */
#define GITS_TYPER_CIDBITS_SHIFT 32 /* collection ID bits - 1, when CIL */
#define GITS_TYPER_CIL (1ULL << 36)

/* GITS_CBASER: Valid [63], InnerCache [61:59], OuterCache [55:53], PA [51:12], Shareability [11:10], Size [7:0]. */
#define GITS_CBASER_VALID (1ULL << 63)
#define GITS_CBASER_PA_MASK 0x000FFFFFFFFFF000ULL
#define GITS_CBASER_SIZE_MASK 0xFFULL /* 4 KiB pages - 1 */
#define GITS_CBASER_WRITABLE 0xB8EFFFFFFFFFFCFFULL

/* GITS_BASER<n>: Valid [63], Indirect [62], InnerCache [61:59], Type [58:56], OuterCache [55:53],
 * Entry_Size - 1 [52:48], PA [47:12], Shareability [11:10], Page_Size [9:8], Size [7:0]. */
#define GITS_BASER_VALID (1ULL << 63)
#define GITS_BASER_INDIRECT (1ULL << 62)
#define GITS_BASER_TYPE_SHIFT 56
#define GITS_BASER_TYPE_DEVICE 1ULL
#define GITS_BASER_TYPE_COLLECTION 4ULL
#define GITS_BASER_ENTRY_SIZE_SHIFT 48
/* What software may change: Valid, the caches, shareability, page size, address and size (Type, Entry_Size, Indirect are fixed). */
#define GITS_BASER_WRITABLE 0xB8E0FFFFFFFFFFFFULL

/* Command fields (GICv3 spec 5.3): DeviceID in DW0 [63:32], EventID in DW1 [31:0], pINTID in DW1 [63:32],
 * MAPD's Size in DW1 [4:0] and ITT_addr in DW2 [51:8], ICID in DW2 [15:0], RDbase in DW2 (and DW3) [51:16],
 * V in DW2 [63]. */
#define GITS_CMD_OPCODE_MASK 0xFFULL
#define GITS_CMD_SIZE_MASK 0x1FULL
#define GITS_CMD_ITT_MASK 0x000FFFFFFFFFFF00ULL
#define GITS_CMD_ICID_MASK 0xFFFFULL
#define GITS_CMD_RDBASE_SHIFT 16
#define GITS_CMD_RDBASE_MASK 0xFFFFFFFFFULL /* 36 bits: the processor number when GITS_TYPER.PTA is 0 */
#define GITS_CMD_VALID (1ULL << 63)

/* Command errors (GICv3 spec 6.3, the encodings KVM and Linux use too): 0x01 <command> <error>. */
#define GITS_ERR_MOVI_UNMAPPED_INTERRUPT 0x010107
#define GITS_ERR_MOVI_UNMAPPED_COLLECTION 0x010109
#define GITS_ERR_INT_UNMAPPED_INTERRUPT 0x010307
#define GITS_ERR_INT_UNMAPPED_COLLECTION 0x010309
#define GITS_ERR_CLEAR_UNMAPPED_INTERRUPT 0x010507
#define GITS_ERR_MAPD_DEVICE_OOR 0x010801
#define GITS_ERR_MAPD_ITTSIZE_OOR 0x010802
#define GITS_ERR_MAPC_PROCNUM_OOR 0x010902
#define GITS_ERR_MAPC_COLLECTION_OOR 0x010903
#define GITS_ERR_MAPTI_DEVICE_OOR 0x010A01
#define GITS_ERR_MAPTI_COLLECTION_OOR 0x010A03
#define GITS_ERR_MAPTI_UNMAPPED_DEVICE 0x010A04
#define GITS_ERR_MAPTI_ID_OOR 0x010A05
#define GITS_ERR_MAPTI_PHYSICALID_OOR 0x010A06
#define GITS_ERR_INV_UNMAPPED_INTERRUPT 0x010C07
#define GITS_ERR_INVALL_UNMAPPED_COLLECTION 0x010D09
#define GITS_ERR_MOVALL_PROCNUM_OOR 0x010E01
#define GITS_ERR_DISCARD_UNMAPPED_INTERRUPT 0x010F07
/* hyparm's own (IMPLEMENTATION DEFINED): an opcode it does not know, a command outside the VM's RAM. */
#define GITS_ERR_UNKNOWN_COMMAND 0x0100FF
#define GITS_ERR_QUEUE_OUTSIDE_RAM 0x0100FE
/* hyparm's IMPLEMENTATION DEFINED register (0xC000-0xFFCF is theirs): the error that stalled the queue, 0 for none. */
#define GITS_HYP_ERROR 0xC000

/* ITS command opcodes (DW0 [7:0]) */
#define GITS_CMD_MOVI 0x01
#define GITS_CMD_INT 0x03
#define GITS_CMD_CLEAR 0x04
#define GITS_CMD_SYNC 0x05
#define GITS_CMD_MAPD 0x08
#define GITS_CMD_MAPC 0x09
#define GITS_CMD_MAPTI 0x0A
#define GITS_CMD_MAPI 0x0B
#define GITS_CMD_INV 0x0C
#define GITS_CMD_INVALL 0x0D
#define GITS_CMD_MOVALL 0x0E
#define GITS_CMD_DISCARD 0x0F

#endif
