/*
 * script.h — the scripted-session driver (docs/kiosk.md "Session scripts").
 *
 * A script is plain text, one command per line. The driver starts the real
 * application with a virtual clock in a fresh directory, then pushes real
 * SDL events (SDL_PushEvent: mouse buttons, fingers, text input, keys)
 * into the same event loop a finger uses, and asserts on the text the
 * screens drew and on the shard. Every screen is saved as a PNG.
 */
#ifndef KIOSK_SCRIPT_H
#define KIOSK_SCRIPT_H

/* Runs the script at path with out_dir as its working directory (wiped
 * first). Returns 0 when every assertion held, 1 otherwise. */
int kscript_run(const char *path, const char *out_dir);

#endif
