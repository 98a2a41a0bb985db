/*
 * assets.c — the widget and the stylesheet assembled into the binary, so
 * `raqib serve` needs no files beside it (served at /widget.js and
 * /static/raqib.css). The files in src/http/assets/ stay the source; make
 * rebuilds this object when one changes (see the Makefile). Each blob is
 * followed by a NUL byte that its _len does not count.
 *
 * The lengths are written by the assembler (end label minus start label):
 * C cannot initialise a constant from the difference of two addresses.
 */
#include "http/admin.h"
#include "http/render.h"

#include <stdint.h>

#if SIZE_MAX > 0xffffffffu
#define ASSETS_SIZE_DIRECTIVE ".quad"
#define ASSETS_SIZE_ALIGN "8"
#else
#define ASSETS_SIZE_DIRECTIVE ".long"
#define ASSETS_SIZE_ALIGN "4"
#endif

#define ASSETS_INCBIN(sym, file)                                          \
	".section .rodata\n"                                                  \
	".global " #sym "\n"                                                  \
	".balign 16\n" #sym ":\n"                                             \
	".incbin \"" file "\"\n" #sym "_end:\n"                               \
	".byte 0\n"                                                           \
	".global " #sym "_len\n"                                              \
	".balign " ASSETS_SIZE_ALIGN "\n" #sym "_len:\n"                      \
	ASSETS_SIZE_DIRECTIVE " " #sym "_end - " #sym "\n"                     \
	".previous\n"

__asm__(ASSETS_INCBIN(raqib_widget_js, "src/http/assets/widget.js"));
__asm__(ASSETS_INCBIN(raqib_style_css, "src/http/assets/style.css"));
__asm__(ASSETS_INCBIN(raqib_admin_js, "src/http/assets/admin.js"));
__asm__(ASSETS_INCBIN(raqib_admin_css, "src/http/assets/admin.css"));
