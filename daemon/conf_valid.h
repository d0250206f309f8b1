/*
 * conf_valid.h: the validators of config values (conf_valid.c).  Each
 * returns NULL when the value is fine, else why not (in buf, or a
 * static string).
 */
#ifndef MAINTD_CONF_VALID_H
#define MAINTD_CONF_VALID_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

typedef const char *(*validator)(const char *v, char *buf, size_t len);

int	conf_parse_mode(const char *, mode_t *);
int	conf_parse_percent(const char *, int64_t *pct);

const char	*valid_nonempty(const char *, char *, size_t);
const char	*valid_overlap(const char *, char *, size_t);
const char	*valid_kind(const char *, char *, size_t);
const char	*valid_output(const char *, char *, size_t);
const char	*valid_output_streams(const char *, char *, size_t);
const char	*valid_restart(const char *, char *, size_t);
const char	*valid_event(const char *, char *, size_t);
const char	*valid_line(const char *, char *, size_t);
const char	*valid_abspath(const char *, char *, size_t);
const char	*valid_duration(const char *, char *, size_t);
const char	*valid_size(const char *, char *, size_t);
const char	*valid_count(const char *, char *, size_t);
const char	*valid_posint(const char *, char *, size_t);
const char	*valid_percent(const char *, char *, size_t);
const char	*valid_ioweight(const char *, char *, size_t);
const char	*valid_cgroup(const char *, char *, size_t);
const char	*valid_weight(const char *, char *, size_t);
const char	*valid_nice(const char *, char *, size_t);
const char	*valid_cron(const char *, char *, size_t);
const char	*valid_timezone(const char *, char *, size_t);
const char	*valid_signal(const char *, char *, size_t);
const char	*valid_user(const char *, char *, size_t);
const char	*valid_group(const char *, char *, size_t);
const char	*valid_mode(const char *, char *, size_t);
const char	*valid_facility(const char *, char *, size_t);
const char	*valid_env(const char *, char *, size_t);
const char	*valid_name(const char *, char *, size_t);
const char	*valid_command(const char *, char *, size_t);
const char	*valid_cond(const char *, char *, size_t);
const char	*valid_status(const char *, char *, size_t);
const char	*valid_header(const char *, char *, size_t);
const char	*valid_url(const char *, char *, size_t);
const char	*valid_prefix(const char *, char *, size_t);
const char	*valid_fleet_task(const char *, char *, size_t);
const char	*valid_fleet_lost(const char *, char *, size_t);
const char	*valid_hash(const char *, char *, size_t);
const char	*valid_role(const char *, char *, size_t);
const char	*valid_fleet_window(const char *, char *, size_t);

#endif
