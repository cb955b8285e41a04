#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Every check of the project, in one command: the one CI runs (.ci/run).
# It usually takes about 5 minutes on a two-core machine.
#
#   ./scripts/test.sh               every stage, in order
#   ./scripts/test.sh vet test      just those stages
#   ./scripts/test.sh --list        the stages and what each checks
#
# The Go stages cover every module go.work uses, so a new lesson is checked
# as soon as it is added there; the transcripts the READMEs show and the
# interop checks against the Node.js programs in node/ are Go tests too. A
# failing stage does not stop the ones after it (except the first: without
# the tools nothing else can run), and a summary at the end names the stages
# that failed. Exit status: 0 when every stage passed, 1 otherwise, 2 for a
# usage error.
#
# What a fresh machine lacks is installed when the script runs as root: with
# apt-get, a C compiler for the race detector, shellcheck, Chromium for the
# browser tests, Node.js for the interop tests, nginx for lesson 6's proxy
# test; with npm, the packages of node/. Otherwise the script says what to
# install.
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

# The stages, in order: name|what it checks. To add a stage, add a line here
# and write a function stage_<name> below that returns non-zero on failure
# (and may set STAGE_DETAIL to a few words for the summary).
STAGES='
tools|the tools the checks need (installed when missing, as root)
gofmt|gofmt -l: every Go file is formatted
vet|go vet in every module of go.work
test|go test -race in every module of go.work (transcripts, browser, Node.js interop)
plain|go test -race -tags plainreads: lesson 5 on its portable reader, as built without epoll
alone|GOWORK=off go build and go vet: every module also builds on its own
shellcheck|shellcheck over scripts/ and .ci/run
lessons|scripts/run.sh --fast --free-ports: every lesson plays, cell by cell
'

# How long the whole run usually takes, measured on a two-core machine.
USUAL="about 5 minutes"

# Go tests run every time (-count=1): a cached result would not notice a
# change in a program that a test builds and runs from another package.
GO_TEST_FLAGS="-race -count=1"

# --- stages ------------------------------------------------------------------

stage_tools() {
	if ! command -v go >/dev/null 2>&1; then
		note "go is not installed: this suite needs Go 1.26 or newer (https://go.dev/dl/)"
		return 1
	fi
	go version
	# What is missing, as Debian packages: what every check needs, and what
	# only some tests need (they skip without it, except under CI=true,
	# where they fail).
	local needed="" wanted=""
	# The race detector needs cgo, hence a C compiler.
	command -v "$(go env CC)" >/dev/null 2>&1 || needed="$needed gcc libc6-dev"
	command -v shellcheck >/dev/null 2>&1 || needed="$needed shellcheck"
	have_browser || wanted="$wanted chromium"                         # lesson 3's browser tests
	command -v npm >/dev/null 2>&1 || wanted="$wanted nodejs npm"     # the interop tests
	if [ -d "$ROOT/06-production/nginx" ] && ! PATH="$PATH:/usr/sbin" command -v nginx >/dev/null 2>&1; then
		wanted="$wanted nginx" # lesson 6's proxy test
	fi
	if [ -n "$needed$wanted" ]; then
		printf 'Missing, so installing:%s%s\n' "$needed" "$wanted"
		# shellcheck disable=SC2086 # lists of package names
		if ! apt_install $needed $wanted; then
			[ -z "$needed" ] || return 1
			note "the tests that need$wanted will be skipped (under CI=true they fail)"
		fi
	fi
	if [ "$(go env CGO_ENABLED)" != 1 ]; then
		note "go test -race needs cgo, but CGO_ENABLED is $(go env CGO_ENABLED): unset it"
		return 1
	fi
	printf 'C compiler: %s\n' "$(command -v "$(go env CC)")"
	# The interop tests' npm packages, whenever package-lock.json has
	# changed since they were installed (npm ci installs exactly what it
	# lists).
	if command -v npm >/dev/null 2>&1 && [ ! "$ROOT/node/node_modules/.package-lock.json" -nt "$ROOT/node/package-lock.json" ]; then
		printf '$ npm ci --prefix node\n'
		npm ci --prefix "$ROOT/node" --no-audit --no-fund --loglevel=error ||
			note "npm ci failed: the interop tests will be skipped (under CI=true they fail)"
	fi
}

stage_gofmt() {
	local dirs unformatted
	dirs=$(module_dirs)
	[ -n "$dirs" ] || return 1 # gofmt without arguments would read stdin
	# The module directories have no spaces (they are lesson names).
	# shellcheck disable=SC2086
	unformatted=$(gofmt -l $dirs) || return 1
	if [ -n "$unformatted" ]; then
		printf 'Not formatted (run gofmt -w on them):\n%s\n' "$unformatted"
		return 1
	fi
	printf 'Every Go file is formatted.\n'
}

stage_vet() {
	each_module 'go vet ./...' go vet ./...
}

stage_test() {
	# shellcheck disable=SC2086 # GO_TEST_FLAGS is a list of flags
	each_module "go test $GO_TEST_FLAGS ./..." go test $GO_TEST_FLAGS ./...
}

stage_plain() {
	# shellcheck disable=SC2086 # GO_TEST_FLAGS is a list of flags
	(cd "$ROOT" && go test $GO_TEST_FLAGS -tags plainreads ./05-performance/fastroom/...)
}

stage_alone() {
	each_module 'GOWORK=off go build ./... && GOWORK=off go vet ./...' build_alone
}

# build_alone builds and vets the module in the current directory without
# the workspace, as someone who copies just this lesson would.
build_alone() {
	GOWORK=off go build ./... && GOWORK=off go vet ./...
}

stage_shellcheck() {
	local files=() f
	while IFS= read -r f <&3; do
		files+=("$f")
	done 3< <(cd "$ROOT" && find scripts -type f -name '*.sh' | sort)
	files+=(.ci/run)
	printf 'Checking %s\n' "${files[*]}"
	(cd "$ROOT" && shellcheck -x "${files[@]}") || return 1
	printf 'shellcheck found nothing to report.\n'
}

stage_lessons() {
	# Free ports, so that the check never collides with a server a reader
	# is running on a lesson's usual port.
	"$ROOT/scripts/run.sh" --fast --free-ports
}

# --- helpers -----------------------------------------------------------------

# module_dirs prints the directory of every module go.work uses, relative to
# the root, one a line.
module_dirs() {
	local dirs dir
	dirs=$(cd "$ROOT" && go list -m -f '{{.Dir}}') || return 1
	printf '%s\n' "$dirs" | while IFS= read -r dir; do
		printf '%s\n' "${dir#"$ROOT"/}"
	done
}

# each_module TITLE COMMAND... runs COMMAND in every module's directory,
# showing its output. A module with no Go packages yet is skipped. Every
# module is checked even after one fails; then the stage fails, and
# STAGE_DETAIL names the modules that failed.
each_module() {
	local title=$1 dir failed="" count=0 empty=0
	shift
	while IFS= read -r dir <&3; do
		printf '\n$ (cd %s && %s)\n' "$dir" "$title"
		if [ -z "$(cd "$ROOT/$dir" && go list ./... 2>/dev/null)" ]; then
			printf '(no Go packages yet: skipped)\n'
			empty=$((empty + 1))
			continue
		fi
		count=$((count + 1))
		if ! (cd "$ROOT/$dir" && "$@"); then
			failed="$failed $dir"
		fi
	done 3< <(module_dirs)
	if [ -n "$failed" ]; then
		STAGE_DETAIL="failed in:$failed"
		return 1
	fi
	STAGE_DETAIL="$count modules"
	if [ "$empty" != 0 ]; then STAGE_DETAIL="$STAGE_DETAIL; $empty without packages yet"; fi
}

# apt_install PACKAGE... installs Debian packages with apt-get, when this
# machine has apt-get and the script runs as root; otherwise it says what to
# install and fails.
apt_install() {
	if ! command -v apt-get >/dev/null 2>&1; then
		note "please install $* (no apt-get here; on macOS: brew install $*)"
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		note "please install $* (e.g. sudo apt-get install $*): this script installs only when run as root"
		return 1
	fi
	quietly apt-get update || return 1
	quietly env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

# quietly COMMAND... shows the command, and its output only if it fails
# (apt-get's progress lines would bury the checks' own output).
quietly() {
	local log status=0
	printf '$ %s\n' "$*"
	log=$(mktemp "${TMPDIR:-/tmp}/test-sh.XXXXXX")
	"$@" >"$log" 2>&1 </dev/null || status=$?
	if [ "$status" != 0 ]; then
		cat "$log" >&2
		note "$1 failed (status $status)"
	fi
	rm -f "$log"
	return "$status"
}

# --- main --------------------------------------------------------------------

# usage prints the comment at the top of this file.
usage() {
	awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"
}

main() {
	local wanted=" " arg name title
	for arg in "$@"; do
		case $arg in
		-h | --help)
			usage
			exit 0
			;;
		--list)
			printf '%s\n' "$STAGES" | sed -e '/^$/d' -e 's/|/: /'
			exit 0
			;;
		-*)
			note "unknown option $arg (see --help)"
			exit 2
			;;
		*)
			case $STAGES in
			*"
$arg|"*) wanted="$wanted$arg " ;;
			*)
				note "no stage named $arg (see --list)"
				exit 2
				;;
			esac
			;;
		esac
	done

	cd "$ROOT"
	# The checks are about this repository's workspace, whatever the caller's
	# environment points go at.
	export GOWORK="$ROOT/go.work"
	# Where tests leave what a person may want to look at (the lesson-3
	# screenshots); ignored by git.
	export ARTIFACTS_DIR="${ARTIFACTS_DIR:-$ROOT/artifacts}"
	mkdir -p "$ARTIFACTS_DIR"

	local summary="" failed="" start status result all_start
	all_start=$(now)
	if [ "$wanted" = " " ]; then
		printf 'test.sh: every check; this usually takes %s on a two-core machine (more on a fresh one, to install what is missing).\n' "$USUAL"
	fi
	while IFS='|' read -r name title <&3; do
		[ -n "$name" ] || continue
		case $wanted in " ") ;; *" $name "*) ;; *) continue ;; esac
		banner "$name: $title"
		STAGE_DETAIL=""
		start=$(now)
		status=0
		"stage_$name" || status=$?
		if [ "$status" = 0 ]; then result=passed; else result=FAILED; fi
		summary="$summary$(printf '  %-11s %-7s %7s' "$name" "$result" "$(since "$start")")"
		if [ -n "$STAGE_DETAIL" ]; then summary="$summary  ($STAGE_DETAIL)"; fi
		summary="$summary"$'\n'
		if [ "$status" != 0 ]; then
			failed="$failed $name"
			if [ "$name" = tools ]; then
				note "the tools are missing: the other stages cannot run"
				break
			fi
		fi
	done 3<<EOF
$STAGES
EOF

	banner "test.sh summary"
	printf '%s' "$summary"
	if [ -n "$failed" ]; then
		printf 'test.sh: FAILED:%s (%s)\n' "$failed" "$(since "$all_start")"
		exit 1
	fi
	printf 'test.sh: every check passed (%s)\n' "$(since "$all_start")"
}

main "$@"
