// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * sve_holder TIMERS: an aarch64 thread with live SVE state beyond the
 * FPSIMD view, which any system call would discard (the upper bits of the
 * Z registers, the P registers and FFR are zeroed on syscall entry), so
 * that an injection that does not put it back is seen.
 *
 * Makes TIMERS SIGEV_NONE timers (none due during a test), prints
 * "READY P" and "HOLDING vl=BYTES rounds=0xADDR" and then, without
 * another system call, fills z0-z31 (every byte of zN is N mod 15 + 1:
 * compares take -16 to 15), p0-p5 and p8-p15 (even: every byte lane true;
 * odd: every halfword lane) and FFR (all true) and checks them all in a
 * loop, adding one to the 64-bit counter at ADDR after each full round
 * (the test reads it through process_vm_readv()).  A changed register ends the loop: it prints
 * "CHANGED reg=NAME" and exits 3.  Without SVE it prints an ERROR line
 * with errno=EOPNOTSUPP.  p6 (the governing predicate, which compares
 * need in p0-p7) and p7 are the loop's scratch.
 */
#include <sys/auxv.h>
#include <sys/prctl.h>

#include "../vcommon.h"

/* Returns the index of the first changed register: z0-z31, p0-p15, ffr. */
int sve_hold(volatile unsigned long long *rounds);

__asm__(
	".arch_extension sve\n"
	".text\n"
	".globl sve_hold\n"
	".type sve_hold, %function\n"
	"sve_hold:\n"
	"	ptrue	p0.b\n"
	"	ptrue	p1.h\n"
	"	ptrue	p2.b\n"
	"	ptrue	p3.h\n"
	"	ptrue	p4.b\n"
	"	ptrue	p5.h\n"
	"	ptrue	p8.b\n"
	"	ptrue	p9.h\n"
	"	ptrue	p10.b\n"
	"	ptrue	p11.h\n"
	"	ptrue	p12.b\n"
	"	ptrue	p13.h\n"
	"	ptrue	p14.b\n"
	"	ptrue	p15.h\n"
	"	dup	z0.b, #1\n"
	"	dup	z1.b, #2\n"
	"	dup	z2.b, #3\n"
	"	dup	z3.b, #4\n"
	"	dup	z4.b, #5\n"
	"	dup	z5.b, #6\n"
	"	dup	z6.b, #7\n"
	"	dup	z7.b, #8\n"
	"	dup	z8.b, #9\n"
	"	dup	z9.b, #10\n"
	"	dup	z10.b, #11\n"
	"	dup	z11.b, #12\n"
	"	dup	z12.b, #13\n"
	"	dup	z13.b, #14\n"
	"	dup	z14.b, #15\n"
	"	dup	z15.b, #1\n"
	"	dup	z16.b, #2\n"
	"	dup	z17.b, #3\n"
	"	dup	z18.b, #4\n"
	"	dup	z19.b, #5\n"
	"	dup	z20.b, #6\n"
	"	dup	z21.b, #7\n"
	"	dup	z22.b, #8\n"
	"	dup	z23.b, #9\n"
	"	dup	z24.b, #10\n"
	"	dup	z25.b, #11\n"
	"	dup	z26.b, #12\n"
	"	dup	z27.b, #13\n"
	"	dup	z28.b, #14\n"
	"	dup	z29.b, #15\n"
	"	dup	z30.b, #1\n"
	"	dup	z31.b, #2\n"
	"	setffr\n"
	"1:	ptrue	p6.b\n"
	"	mov	w1, #32\n"
	"	eors	p7.b, p6/z, p0.b, p6.b\n"
	"	b.any	2f\n"
	"	mov	w1, #33\n"
	"	ptrue	p7.h\n"
	"	eors	p7.b, p6/z, p1.b, p7.b\n"
	"	b.any	2f\n"
	"	mov	w1, #34\n"
	"	eors	p7.b, p6/z, p2.b, p6.b\n"
	"	b.any	2f\n"
	"	mov	w1, #35\n"
	"	ptrue	p7.h\n"
	"	eors	p7.b, p6/z, p3.b, p7.b\n"
	"	b.any	2f\n"
	"	mov	w1, #36\n"
	"	eors	p7.b, p6/z, p4.b, p6.b\n"
	"	b.any	2f\n"
	"	mov	w1, #37\n"
	"	ptrue	p7.h\n"
	"	eors	p7.b, p6/z, p5.b, p7.b\n"
	"	b.any	2f\n"
	"	mov	w1, #40\n"
	"	eors	p7.b, p6/z, p8.b, p6.b\n"
	"	b.any	2f\n"
	"	mov	w1, #41\n"
	"	ptrue	p7.h\n"
	"	eors	p7.b, p6/z, p9.b, p7.b\n"
	"	b.any	2f\n"
	"	mov	w1, #42\n"
	"	eors	p7.b, p6/z, p10.b, p6.b\n"
	"	b.any	2f\n"
	"	mov	w1, #43\n"
	"	ptrue	p7.h\n"
	"	eors	p7.b, p6/z, p11.b, p7.b\n"
	"	b.any	2f\n"
	"	mov	w1, #44\n"
	"	eors	p7.b, p6/z, p12.b, p6.b\n"
	"	b.any	2f\n"
	"	mov	w1, #45\n"
	"	ptrue	p7.h\n"
	"	eors	p7.b, p6/z, p13.b, p7.b\n"
	"	b.any	2f\n"
	"	mov	w1, #46\n"
	"	eors	p7.b, p6/z, p14.b, p6.b\n"
	"	b.any	2f\n"
	"	mov	w1, #47\n"
	"	ptrue	p7.h\n"
	"	eors	p7.b, p6/z, p15.b, p7.b\n"
	"	b.any	2f\n"
	"	mov	w1, #48\n"
	"	rdffr	p7.b, p6/z\n"
	"	nots	p7.b, p6/z, p7.b\n"
	"	b.any	2f\n"
	"	mov	w1, #0\n"
	"	cmpne	p7.b, p6/z, z0.b, #1\n"
	"	b.any	2f\n"
	"	mov	w1, #1\n"
	"	cmpne	p7.b, p6/z, z1.b, #2\n"
	"	b.any	2f\n"
	"	mov	w1, #2\n"
	"	cmpne	p7.b, p6/z, z2.b, #3\n"
	"	b.any	2f\n"
	"	mov	w1, #3\n"
	"	cmpne	p7.b, p6/z, z3.b, #4\n"
	"	b.any	2f\n"
	"	mov	w1, #4\n"
	"	cmpne	p7.b, p6/z, z4.b, #5\n"
	"	b.any	2f\n"
	"	mov	w1, #5\n"
	"	cmpne	p7.b, p6/z, z5.b, #6\n"
	"	b.any	2f\n"
	"	mov	w1, #6\n"
	"	cmpne	p7.b, p6/z, z6.b, #7\n"
	"	b.any	2f\n"
	"	mov	w1, #7\n"
	"	cmpne	p7.b, p6/z, z7.b, #8\n"
	"	b.any	2f\n"
	"	mov	w1, #8\n"
	"	cmpne	p7.b, p6/z, z8.b, #9\n"
	"	b.any	2f\n"
	"	mov	w1, #9\n"
	"	cmpne	p7.b, p6/z, z9.b, #10\n"
	"	b.any	2f\n"
	"	mov	w1, #10\n"
	"	cmpne	p7.b, p6/z, z10.b, #11\n"
	"	b.any	2f\n"
	"	mov	w1, #11\n"
	"	cmpne	p7.b, p6/z, z11.b, #12\n"
	"	b.any	2f\n"
	"	mov	w1, #12\n"
	"	cmpne	p7.b, p6/z, z12.b, #13\n"
	"	b.any	2f\n"
	"	mov	w1, #13\n"
	"	cmpne	p7.b, p6/z, z13.b, #14\n"
	"	b.any	2f\n"
	"	mov	w1, #14\n"
	"	cmpne	p7.b, p6/z, z14.b, #15\n"
	"	b.any	2f\n"
	"	mov	w1, #15\n"
	"	cmpne	p7.b, p6/z, z15.b, #1\n"
	"	b.any	2f\n"
	"	mov	w1, #16\n"
	"	cmpne	p7.b, p6/z, z16.b, #2\n"
	"	b.any	2f\n"
	"	mov	w1, #17\n"
	"	cmpne	p7.b, p6/z, z17.b, #3\n"
	"	b.any	2f\n"
	"	mov	w1, #18\n"
	"	cmpne	p7.b, p6/z, z18.b, #4\n"
	"	b.any	2f\n"
	"	mov	w1, #19\n"
	"	cmpne	p7.b, p6/z, z19.b, #5\n"
	"	b.any	2f\n"
	"	mov	w1, #20\n"
	"	cmpne	p7.b, p6/z, z20.b, #6\n"
	"	b.any	2f\n"
	"	mov	w1, #21\n"
	"	cmpne	p7.b, p6/z, z21.b, #7\n"
	"	b.any	2f\n"
	"	mov	w1, #22\n"
	"	cmpne	p7.b, p6/z, z22.b, #8\n"
	"	b.any	2f\n"
	"	mov	w1, #23\n"
	"	cmpne	p7.b, p6/z, z23.b, #9\n"
	"	b.any	2f\n"
	"	mov	w1, #24\n"
	"	cmpne	p7.b, p6/z, z24.b, #10\n"
	"	b.any	2f\n"
	"	mov	w1, #25\n"
	"	cmpne	p7.b, p6/z, z25.b, #11\n"
	"	b.any	2f\n"
	"	mov	w1, #26\n"
	"	cmpne	p7.b, p6/z, z26.b, #12\n"
	"	b.any	2f\n"
	"	mov	w1, #27\n"
	"	cmpne	p7.b, p6/z, z27.b, #13\n"
	"	b.any	2f\n"
	"	mov	w1, #28\n"
	"	cmpne	p7.b, p6/z, z28.b, #14\n"
	"	b.any	2f\n"
	"	mov	w1, #29\n"
	"	cmpne	p7.b, p6/z, z29.b, #15\n"
	"	b.any	2f\n"
	"	mov	w1, #30\n"
	"	cmpne	p7.b, p6/z, z30.b, #1\n"
	"	b.any	2f\n"
	"	mov	w1, #31\n"
	"	cmpne	p7.b, p6/z, z31.b, #2\n"
	"	b.any	2f\n"
	"	ldr	x2, [x0]\n"
	"	add	x2, x2, #1\n"
	"	str	x2, [x0]\n"
	"	b	1b\n"
	"2:	mov	w0, w1\n"
	"	ret\n"
	".size sve_hold, . - sve_hold\n"
);

static volatile unsigned long long rounds;

int main(int argc, char **argv)
{
	int n, changed, vl;
	char name[8];

	if (argc != 2 || (n = atoi(argv[1])) < 0)
		vp_die(EINVAL, "usage: sve_holder TIMERS");
	if (!(getauxval(AT_HWCAP) & HWCAP_SVE))
		vp_die(EOPNOTSUPP, "no SVE on this CPU or kernel");
	vl = prctl(PR_SVE_GET_VL);
	if (vl < 0)
		vp_die(errno, "PR_SVE_GET_VL");
	for (int i = 0; i < n; i++)
		vp_make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0x70 + i, 0,
			      (600 + i) * VP_NSEC_PER_SEC, 0);
	vp_out("READY %d", (int)getpid());
	vp_out("HOLDING vl=%d rounds=%p", vl & PR_SVE_VL_LEN_MASK, (void *)&rounds);
	changed = sve_hold(&rounds);
	if (changed < 32)
		snprintf(name, sizeof(name), "z%d", changed);
	else if (changed < 48)
		snprintf(name, sizeof(name), "p%d", changed - 32);
	else
		snprintf(name, sizeof(name), "ffr");
	vp_out("CHANGED reg=%s rounds=%llu", name, rounds);
	return 3;
}
