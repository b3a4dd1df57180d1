#!/bin/sh
# LabBoot disk-image installer, handed to one machine as its cloud-init NoCloud user-data.
# It picks the disk, streams the image from LabBoot's HTTP server through the right decompressor
# straight onto it, checks the sha256 of what it downloaded, syncs, reports and reboots. POSIX sh
# with the tools of a busybox initramfs (sh, wget or curl, gzip/xz/bzip2/zstd, tar, tee, dd,
# sha256sum, mkfifo, sync, reboot), so it runs in the MAAS ephemeral Ubuntu and in busybox alike.
#
# LabBoot writes the settings below for this machine and this deploy only.
#@LABBOOT_SETTINGS@

# Test seams, unset in real use: where /sys, /proc and /dev are, and what reboots.
SYS=${LABBOOT_SYS_ROOT:-/sys}
PROC=${LABBOOT_PROC_ROOT:-/proc}
DEV=${LABBOOT_DEV_ROOT:-/dev}
REBOOT=${LABBOOT_REBOOT:-reboot_now}
TMP=${TMPDIR:-/tmp}/labboot-installer.$$
WRITTEN=0
START=0

say() { echo "labboot-installer: $*"; }

# post BODY: one HTTP POST of BODY to LabBoot's report URL.
post() {
	if command -v wget >/dev/null 2>&1; then
		wget -q -O /dev/null --post-data="$1" "$LABBOOT_REPORT_URL" 2>/dev/null
	elif command -v curl >/dev/null 2>&1; then
		curl -fsS -o /dev/null --data-binary "$1" "$LABBOOT_REPORT_URL" 2>/dev/null
	else
		return 1
	fi
}

# report PHASE BYTES [ERROR]: tells LabBoot where the install is; tried three times.
report() {
	body="token=$LABBOOT_TOKEN
phase=$1
bytes=$2
total=$LABBOOT_TOTAL
disk=${DISK:-}
error=${3:-}"
	for try in 1 2 3; do
		post "$body" && return 0
		[ "$try" = 3 ] || sleep 1
	done
	say "could not tell LabBoot about $1"
	return 1
}

cleanup() {
	[ -n "${PROGRESS_PID:-}" ] && kill "$PROGRESS_PID" 2>/dev/null
	rm -rf "$TMP"
}

# fail SENTENCE: reports the failure in one sentence and stops (the machine stays up to inspect).
fail() {
	say "$1"
	report failed "$WRITTEN" "$1"
	cleanup
	exit 1
}

reboot_now() {
	sync
	reboot -f 2>/dev/null || reboot
}

# fetch URL: the body on stdout, with wget (busybox or GNU) or curl.
fetch() {
	if command -v wget >/dev/null 2>&1; then
		wget -q -O - "$1"
	else
		curl -fsS "$1"
	fi
}

have() { command -v "$1" >/dev/null 2>&1; }

# pick_unpack: sets UNPACK to a command that decompresses stdin to stdout for this kind.
pick_unpack() {
	case "$LABBOOT_KIND" in
	ddraw | ddtar) UNPACK= ;;
	ddgz | ddtgz)
		if have gzip; then UNPACK='gzip -dc'; elif have gunzip; then UNPACK='gunzip -c'; elif have zcat; then UNPACK=zcat; fi ;;
	ddxz | ddtxz)
		if have xz; then UNPACK='xz -dc'; elif have unxz; then UNPACK='unxz -c'; elif have xzcat; then UNPACK=xzcat; fi ;;
	ddbz2)
		if have bzip2; then UNPACK='bzip2 -dc'; elif have bunzip2; then UNPACK='bunzip2 -c'; elif have bzcat; then UNPACK=bzcat; fi ;;
	ddzst)
		if have zstd; then UNPACK='zstd -dcq'; elif have unzstd; then UNPACK='unzstd -c'; elif have zstdcat; then UNPACK=zstdcat; fi ;;
	*) fail "LabBoot sent an image kind this installer does not know ($LABBOOT_KIND); update LabBoot." ;;
	esac
	case "$LABBOOT_KIND" in
	ddraw | ddtar) ;;
	*) [ -n "${UNPACK:-}" ] || fail "This environment has no decompressor for a $LABBOOT_KIND image; boot an ephemeral image that has one, or import the image uncompressed." ;;
	esac
	case "$LABBOOT_KIND" in
	ddtar | ddtgz | ddtxz) have tar || fail "This environment has no tar to unpack a $LABBOOT_KIND image; import the disk image itself instead." ;;
	esac
}

# in_use NAME: true when the disk or one of its partitions is mounted, swapped on or held.
in_use() {
	grep -Eq "^$DEV/$1(p?[0-9]+)? " "$PROC/mounts" 2>/dev/null && return 0
	grep -Eq "^$DEV/$1(p?[0-9]+)?[[:space:]]" "$PROC/swaps" 2>/dev/null && return 0
	for h in "$SYS/block/$1"/holders/* "$SYS/block/$1"/"$1"*/holders/*; do
		[ -e "$h" ] && return 0
	done
	return 1
}

# pick_disk: sets DISKNAME; `auto` is the first whole, fixed, writable disk the system does not use.
pick_disk() {
	if [ "$LABBOOT_DISK" != auto ]; then
		DISKNAME=${LABBOOT_DISK#/dev/}
		[ -e "$SYS/block/$DISKNAME" ] || fail "The disk $LABBOOT_DISK named for this deploy does not exist on this machine; deploy again with --disk auto or another disk."
		in_use "$DISKNAME" && fail "The disk $LABBOOT_DISK is in use by the running system, so it cannot be overwritten; deploy again with another disk."
		return
	fi
	for d in "$SYS"/block/*; do
		[ -e "$d" ] || continue
		name=${d##*/}
		case "$name" in loop* | ram* | zram* | sr* | fd* | dm-* | md* | nbd*) continue ;; esac
		[ "$(cat "$d/removable" 2>/dev/null)" = 1 ] && continue
		[ "$(cat "$d/ro" 2>/dev/null)" = 1 ] && continue
		in_use "$name" && continue
		DISKNAME=$name
		return
	done
	fail "No disk to install on: this machine has no fixed, writable disk that the running system does not use; add one, or name one with labboot deploy --disk."
}

sectors_written() {
	# Field 7 of a block device's stat is sectors written since boot (Documentation/block/stat).
	# shellcheck disable=SC2046
	set -- $(cat "$SYS/block/$DISKNAME/stat" 2>/dev/null)
	echo "${7:-0}"
}

progress_loop() {
	while [ ! -e "$TMP/done" ]; do
		sleep 2
		[ -e "$TMP/done" ] && break
		now=$(sectors_written)
		WRITTEN=$(((now - START) * 512))
		[ "$WRITTEN" -gt "$LABBOOT_TOTAL" ] && WRITTEN=$LABBOOT_TOTAL
		post "token=$LABBOOT_TOKEN
phase=writing
bytes=$WRITTEN
total=$LABBOOT_TOTAL
disk=$DISK
error=" || true
	done
}

# The stream: download | tee (to sha256sum) | decompress | untar | dd; each stage notes its failure.
download() { fetch "$LABBOOT_IMAGE_URL" || echo fetch >>"$TMP/errors"; }
hashed() { tee "$TMP/sha" || echo tee >>"$TMP/errors"; }
unpack() { $UNPACK || echo unpack >>"$TMP/errors"; }
untar() { tar -xOf - || echo untar >>"$TMP/errors"; }
to_disk() { dd of="$DISK" bs=1M conv=notrunc 2>"$TMP/dd.err" || echo write >>"$TMP/errors"; }

write_image() {
	case "$LABBOOT_KIND" in
	ddraw) download | hashed | to_disk ;;
	ddtar) download | hashed | untar | to_disk ;;
	ddgz | ddxz | ddbz2 | ddzst) download | hashed | unpack | to_disk ;;
	ddtgz | ddtxz) download | hashed | unpack | untar | to_disk ;;
	esac
}

has_error() { grep -qx "$1" "$TMP/errors" 2>/dev/null; }

wipe_start() { dd if=/dev/zero of="$DISK" bs=1M count=1 conv=notrunc 2>/dev/null; }

deploy() {
	pick_unpack
	pick_disk
	DISK=$DEV/$DISKNAME
	SIZE=$(($(cat "$SYS/block/$DISKNAME/size") * 512))
	if [ "$SIZE" -lt "$LABBOOT_TOTAL" ]; then
		fail "The disk $DISK holds $SIZE bytes ($((SIZE / 1048576)) MiB), but $LABBOOT_IMAGE needs $LABBOOT_TOTAL bytes ($(((LABBOOT_TOTAL + 1048575) / 1048576)) MiB); deploy it to a machine with a larger disk, or use a smaller image."
	fi
	say "writing $LABBOOT_IMAGE to $DISK"
	report started 0 || fail "LabBoot refused this installer's reports (a newer deploy or a release replaced it); start the deploy again."
	mkfifo "$TMP/sha" || fail "Could not create a pipe in $TMP to check the download; the ephemeral environment has no writable /tmp."
	sha256sum <"$TMP/sha" >"$TMP/sum" &
	SUM_PID=$!
	START=$(sectors_written)
	progress_loop >/dev/null 2>&1 &
	PROGRESS_PID=$!
	: >"$TMP/errors"
	write_image
	touch "$TMP/done"
	wait "$SUM_PID"
	kill "$PROGRESS_PID" 2>/dev/null
	PROGRESS_PID=
	WRITTEN=$((($(sectors_written) - START) * 512))
	if has_error fetch; then
		fail "Downloading $LABBOOT_IMAGE from LabBoot failed midway (network or server stopped); deploy again."
	fi
	if has_error write; then
		fail "Writing to $DISK failed ($(tail -n 1 "$TMP/dd.err" 2>/dev/null)); check the disk, or deploy to another one."
	fi
	if has_error unpack || has_error untar; then
		fail "$LABBOOT_IMAGE did not decompress cleanly as $LABBOOT_KIND (the stored file is damaged); import it again and deploy again."
	fi
	read -r got _ <"$TMP/sum"
	if [ "$got" != "$LABBOOT_SHA256" ]; then
		wipe_start
		fail "The image LabBoot sent does not match its sha256 (got $got, expected $LABBOOT_SHA256), so the start of $DISK was wiped; import the image again and deploy again."
	fi
	WRITTEN=$LABBOOT_TOTAL
	report verifying "$WRITTEN"
	sync
	report done "$WRITTEN" || say "LabBoot did not hear that the deploy finished; rebooting anyway"
	cleanup
	say "done; rebooting into $DISK"
	$REBOOT
}

# erase: zeroes the first 16 MiB and the last 1 MiB (partition tables, GPT backup, boot loaders).
erase() {
	pick_disk
	DISK=$DEV/$DISKNAME
	sectors=$(cat "$SYS/block/$DISKNAME/size")
	report started 0 || fail "LabBoot refused this installer's reports (a newer deploy or a release replaced it); release the machine again."
	dd if=/dev/zero of="$DISK" bs=1M count=16 conv=notrunc 2>"$TMP/dd.err" || fail "Erasing the start of $DISK failed ($(tail -n 1 "$TMP/dd.err")); check the disk."
	if [ "$sectors" -gt 2048 ]; then
		dd if=/dev/zero of="$DISK" bs=512 count=2048 seek=$((sectors - 2048)) conv=notrunc 2>"$TMP/dd.err" || fail "Erasing the end of $DISK failed ($(tail -n 1 "$TMP/dd.err")); check the disk."
	fi
	sync
	report erased 0
	cleanup
	say "erased $DISK; rebooting"
	$REBOOT
}

mkdir -p "$TMP" || fail "Could not create $TMP; the ephemeral environment has no writable /tmp."
case "$LABBOOT_MODE" in
erase) erase ;;
*) deploy ;;
esac
