#!/usr/bin/env bash
# Fails if any function of the hyparm ELF other than fpsimd_save/restore
# (FP/SIMD) and sve_save/restore (SVE) uses FP/SIMD or SVE registers:
# hyparm code must never clobber the guest's. Also fails on any PAC/BTI instruction (below).
objdump=$1 elf=$2
bad=$("$objdump" -d --no-show-raw-insn "$elf" | awk -F'\t' '
	/^[0-9a-f]+ <.*>:$/ { fn = $0; next }
	fn ~ /<(fpsimd|sve)_(save|restore)>/ { next }
	NF >= 3 && $2 !~ /^(b|bl|b\..*|cbn?z|tbn?z|adrp?)[ ]*$/ {
		ops = $3
		sub(/\/\/.*/, "", ops); sub(/<.*/, "", ops)
		if (ops ~ /(^|[ ,[{])(v[0-9]+\.|q[0-9]+|d[0-9]+|s[0-9]+|z[0-9]+|p[0-9]+)([ ,\]}.\/]|$)/)
			print fn " " $0
	}')
if [ -n "$bad" ]; then
	echo "error: FP/SIMD or SVE register use in hyparm outside fpsimd.S and sve_regs.S:" >&2
	echo "$bad" | head >&2
	exit 1
fi
# Nor may hyparm sign or authenticate anything (it is built with -mbranch-protection=none): the
# CPU's pointer-authentication keys are the running guest's (arch/arm64/include/arch/pauth.h).
pac=$("$objdump" -d --no-show-raw-insn "$elf" | awk -F'\t' '
	/^[0-9a-f]+ <.*>:$/ { fn = $0; next }
	NF >= 2 && $2 ~ /^(pac|aut|xpac|reta[ab]|ereta[ab]|bra[ab]|blra[ab]|ldra[ab]|bti)/ { print fn " " $0 }')
if [ -n "$pac" ]; then
	echo "error: pointer-authentication or BTI instructions in hyparm (is it built with branch protection?):" >&2
	echo "$pac" | head >&2
	exit 1
fi
