// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-scrub-dirty: attack-scrub with destroy_zero_ms=0, so the dying
 * peer's destroy zeroes none of the frames it frees (the cap of
 * arch/x86/domain_destroy.c spent at once) and leaves them all dirty:
 * dom0, populating as many frames as the machine has, must still find
 * every one zero (zeroed by an idle CPU or at its allocation). The
 * default cap (1000 ms) zeroes them all in the destroy, so attack-scrub
 * alone never reaches this path. On Xen 4.17 (which takes no such
 * option) it is attack-scrub.
 * @domus: self:peer:role=peer
 * @hvargs: destroy_zero_ms=0
 */
#include "attack-scrub.c"
