/* The supervisor (build/hardinit-supervise: supervise/supervisor_main.c, linked
 * statically against libc alone) inside hardinit's binary, so that what runs as PID 1
 * after the hand-over is what was verified with hardinit (supervise/handover_apply.c).
 * SUPERVISOR_BIN is its path, given by the Makefile. */
	.section .rodata.hardinit_supervisor, "a"
	.balign 16
	.globl hardinit_supervisor_start
	.type hardinit_supervisor_start, @object
hardinit_supervisor_start:
	.incbin SUPERVISOR_BIN
hardinit_supervisor_end:
	.balign 8
	.globl hardinit_supervisor_size
	.type hardinit_supervisor_size, @object
hardinit_supervisor_size:
	.quad hardinit_supervisor_end - hardinit_supervisor_start
	.section .note.GNU-stack, "", @progbits
