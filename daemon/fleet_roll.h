/*
 * fleet_roll.h: rolling windows (fleet = rolling) across the fleet
 * (fleet_roll.c).
 */
#ifndef MAINTD_FLEET_ROLL_H
#define MAINTD_FLEET_ROLL_H

/* preset.c tells the fleet of rolling windows, from now on. */
void	fleet_roll_start(void);
void	fleet_roll_stop(void);
/* Turns that are over, windows every node had, free slots to take. */
void	fleet_roll_check(void);
/* The lease is, or may be, gone: a turn under way ends, not done. */
void	fleet_roll_fence(const char *why);

#endif
