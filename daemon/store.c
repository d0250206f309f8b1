/*
 * store.c: the sqlite database (DESIGN §7), opened and closed: the
 * connection (store_db.c), the parts that keep their rows in it
 * (store_run.c, store_event.c, store_preset.c, store_window.c), and the
 * run file beside it (store_runfile.c).
 */
#include <stddef.h>

#include "store.h"
#include "store_db.h"
#include "store_run.h"
#include "store_runfile.h"

int
store_open(const char *path, char *err, size_t errlen)
{
	static const struct store_hooks	hooks = {
		store_run_setup, store_run_writable, store_run_committed
	};

	store_db_hooks(&hooks);
	if (store_db_open(path, err, errlen) == -1)
		return -1;
	runfile_open(store_db_path());
	return 0;
}

void
store_close(void)
{
	store_db_close();
	runfile_close();
	store_run_free();
}
