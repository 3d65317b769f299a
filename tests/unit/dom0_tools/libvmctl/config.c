// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of dom0_tools/libvmctl/config.c: xl.cfg's syntax, every key,
 * the DISKSPEC and NETSPEC grammars, KEY=VALUE overrides, each error's
 * exact message and position, and random input under ASan/UBSan (the leak
 * checker runs at exit, so a leak fails the run).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "../../unit.h"
#include "../../../../dom0_tools/libvmctl/config.h"

#define EXPECT_STR(a, b)						\
	do {								\
		const char *_a = (a), *_b = (b);			\
		if ((!_a || strcmp(_a, _b)) && !unit_failure[0])	\
			snprintf(unit_failure, sizeof(unit_failure),	\
				 "%s:%d: %s == \"%s\", expected \"%s\"",	\
				 __FILE__, __LINE__, #a, _a ? _a : "(null)", _b); \
	} while (0)

#define MIN "name = \"g\"\nkernel = \"/k\"\n"

static char warnings[1024];

static void collect(void *arg, const char *msg)
{
	size_t n = strlen(warnings);

	(void)arg;
	snprintf(warnings + n, sizeof(warnings) - n, "%s\n", msg);
}

static struct vmctl_config_report rep;

static int parse_ov(const char *text, char *const *ov, int n, struct vmctl_config *cfg)
{
	memset(&rep, 0, sizeof(rep));
	rep.warn = collect;
	warnings[0] = '\0';
	return vmctl_config_parse("t.cfg", text, strlen(text), ov, n, 0, cfg, &rep);
}

static int parse(const char *text, struct vmctl_config *cfg)
{
	return parse_ov(text, NULL, 0, cfg);
}

#define EXPECT_ERR(text, msg)						\
	do {								\
		struct vmctl_config _c;					\
		EXPECT_EQ(parse(text, &_c), -EINVAL);			\
		EXPECT_STR(rep.error, msg);				\
		EXPECT(_c.name == NULL && _c.disks == NULL);		\
	} while (0)

/* docs/toolstack.md §4.5's example, unchanged. */
static const char example[] =
	"# guest.cfg\n"
	"name    = \"guest\"\n"
	"type    = \"pv\"\n"
	"memory  = 256\n"
	"vcpus   = 1\n"
	"kernel  = \"/boot/vmlinuz-6.1.0-56-cloud-amd64\"\n"
	"ramdisk = \"/boot/initrd.img-6.1.0-56-cloud-amd64\"\n"
	"extra   = \"console=hvc0\"\n"
	"root    = \"/dev/xvda1 ro\"\n"
	"disk    = [ 'format=raw, vdev=xvda, access=rw, target=/var/lib/vm/guest.img' ]\n"
	"vif     = [ 'mac=00:16:3e:00:00:01, bridge=xenbr0' ]\n"
	"on_poweroff = \"destroy\"\n"
	"on_reboot   = \"restart\"\n"
	"on_crash    = \"destroy\"\n";

static void example_accepted(void)
{
	struct vmctl_config c;

	EXPECT_EQ(parse(example, &c), 0);
	EXPECT_STR(c.name, "guest");
	EXPECT_EQ(c.memory_mib, 256);
	EXPECT_EQ(c.maxmem_mib, 256);
	EXPECT_EQ(c.vcpus, 1);
	EXPECT_EQ(c.maxvcpus, 1);
	EXPECT_STR(c.kernel, "/boot/vmlinuz-6.1.0-56-cloud-amd64");
	EXPECT_STR(c.ramdisk, "/boot/initrd.img-6.1.0-56-cloud-amd64");
	EXPECT_STR(c.cmdline, "root=/dev/xvda1 ro console=hvc0");
	EXPECT_EQ(c.on_poweroff, VMCTL_ACTION_DESTROY);
	EXPECT_EQ(c.on_reboot, VMCTL_ACTION_RESTART);
	EXPECT_EQ(c.on_crash, VMCTL_ACTION_DESTROY);
	EXPECT_EQ(c.has_uuid, 0);
	EXPECT_EQ(c.nr_disks, 1);
	EXPECT_STR(c.disks[0].target, "/var/lib/vm/guest.img");
	EXPECT_STR(c.disks[0].vdev, "xvda");
	EXPECT_EQ(c.disks[0].devid, 51712);
	EXPECT_EQ(c.disks[0].format, VMCTL_DISK_RAW);
	EXPECT_EQ(c.disks[0].readwrite, 1);
	EXPECT_STR(c.disks[0].where, "t.cfg:10:13");
	EXPECT_EQ(c.nr_vifs, 1);
	EXPECT_EQ(c.vifs[0].has_mac, 1);
	EXPECT_EQ(c.vifs[0].mac[5], 1);
	EXPECT_EQ(c.vifs[0].mac[2], 0x3e);
	EXPECT_STR(c.vifs[0].bridge, "xenbr0");
	EXPECT_EQ(c.vifs[0].devid, 0);
	EXPECT_STR(c.vifs[0].where, "t.cfg:11:13");
	EXPECT_STR(warnings, "");
	vmctl_config_free(&c);
	EXPECT(c.name == NULL);
}

static void defaults(void)
{
	struct vmctl_config c;

	EXPECT_EQ(parse(MIN, &c), 0);
	EXPECT_EQ(c.memory_mib, 32);
	EXPECT_EQ(c.maxmem_mib, 32);
	EXPECT_EQ(c.vcpus, 1);
	EXPECT_EQ(c.maxvcpus, 1);
	EXPECT(c.ramdisk == NULL && c.cmdline == NULL);
	EXPECT_EQ(c.on_poweroff, VMCTL_ACTION_DESTROY);
	EXPECT_EQ(c.on_reboot, VMCTL_ACTION_RESTART);
	EXPECT_EQ(c.on_crash, VMCTL_ACTION_DESTROY);
	EXPECT_EQ(c.on_watchdog, VMCTL_ACTION_DESTROY);
	EXPECT_EQ(c.on_soft_reset, VMCTL_ACTION_SOFT_RESET);
	EXPECT_EQ(c.nr_disks, 0);
	EXPECT_EQ(c.nr_vifs, 0);
	vmctl_config_free(&c);
}

static void memory_and_vcpus(void)
{
	struct vmctl_config c;

	EXPECT_EQ(parse(MIN "memory = 512\n", &c), 0);
	EXPECT_EQ(c.memory_mib, 512);
	EXPECT_EQ(c.maxmem_mib, 512);
	vmctl_config_free(&c);
	EXPECT_EQ(parse(MIN "maxmem = 1024\n", &c), 0);
	EXPECT_EQ(c.memory_mib, 1024);
	EXPECT_EQ(c.maxmem_mib, 1024);
	vmctl_config_free(&c);
	EXPECT_EQ(parse(MIN "memory = 0x100; maxmem = 01000\n", &c), 0);
	EXPECT_EQ(c.memory_mib, 256);
	EXPECT_EQ(c.maxmem_mib, 512);
	vmctl_config_free(&c);
	EXPECT_EQ(parse(MIN "memory = \"128\"\nvcpus = 2\nmaxvcpus = 4\n", &c), 0);
	EXPECT_EQ(c.memory_mib, 128);
	EXPECT_EQ(c.vcpus, 2);
	EXPECT_EQ(c.maxvcpus, 4);
	vmctl_config_free(&c);
	EXPECT_EQ(parse(MIN "vcpus = 3\n", &c), 0);
	EXPECT_EQ(c.maxvcpus, 3);
	vmctl_config_free(&c);
}

static void strings_and_keys(void)
{
	struct vmctl_config c;

	EXPECT_EQ(parse("name='it''s'\nkernel=\"/k\"", &c), -EINVAL);	/* two strings */
	EXPECT_EQ(parse(MIN "extra='a\\'b\\\"c\\\\d\\te\\a\\b\\f\\n\\r\\v\"'\n", &c), 0);
	EXPECT_STR(c.cmdline, "a'b\"c\\d\te\a\b\f\n\r\v\"");
	vmctl_config_free(&c);
	EXPECT_EQ(parse("name = 7f\nkernel = '/k'\n", &c), 0);	/* a NUMBER token is text */
	EXPECT_STR(c.name, "7f");
	vmctl_config_free(&c);
	EXPECT_EQ(parse("name = 7g\nkernel = '/k'\n", &c), -EINVAL);	/* 7, then a bare word */
	EXPECT_STR(rep.error, "t.cfg:1:9: expected the end of the line or ';' after the value of 'name', found a bare word");
	vmctl_config_free(&c);
	EXPECT_EQ(parse(MIN "uuid = \"0123ABCD-4567-89ab-cdef-0123456789AB\"\n", &c), 0);
	EXPECT_EQ(c.has_uuid, 1);
	EXPECT_EQ(c.uuid[0], 0x01);
	EXPECT_EQ(c.uuid[3], 0xcd);
	EXPECT_EQ(c.uuid[15], 0xab);
	vmctl_config_free(&c);
	EXPECT_EQ(parse(MIN "type = \"p\"\nbuilder = \"generic\"\n", &c), 0);	/* prefixes, as xl */
	vmctl_config_free(&c);
	EXPECT_EQ(parse(MIN "ramdisk = \"/r\"\non_poweroff = 'preserve'\non_reboot = 'rename-restart'\n"
			"on_crash = 'coredump-restart'\non_watchdog = 'restart'\non_soft_reset = 'destroy'\n", &c), 0);
	EXPECT_STR(c.ramdisk, "/r");
	EXPECT_EQ(c.on_poweroff, VMCTL_ACTION_PRESERVE);
	EXPECT_EQ(c.on_reboot, VMCTL_ACTION_RENAME_RESTART);
	EXPECT_EQ(c.on_crash, VMCTL_ACTION_COREDUMP_RESTART);
	EXPECT_EQ(c.on_watchdog, VMCTL_ACTION_RESTART);
	EXPECT_EQ(c.on_soft_reset, VMCTL_ACTION_DESTROY);
	EXPECT_STR(vmctl_action_name(c.on_crash), "coredump-restart");
	vmctl_config_free(&c);
}

static void cmdline_as_xl(void)
{
	struct vmctl_config c;

	EXPECT_EQ(parse(MIN "root = \"/dev/xvda1\"\n", &c), 0);
	EXPECT_STR(c.cmdline, "root=/dev/xvda1");
	vmctl_config_free(&c);
	EXPECT_EQ(parse(MIN "extra = \"console=hvc0\"\n", &c), 0);
	EXPECT_STR(c.cmdline, "console=hvc0");
	vmctl_config_free(&c);
	EXPECT_EQ(parse(MIN "cmdline = \"quiet\"\nroot = \"/dev/xvda1\"\nextra = \"x\"\n", &c), 0);
	EXPECT_STR(c.cmdline, "quiet");
	EXPECT_STR(warnings, "t.cfg:3:11: warning: ignoring root= and extra= in favour of cmdline=\n");
	vmctl_config_free(&c);
}

/* Layout: ';', comments, lists over lines, nested, trailing commas, +=. */
static void syntax(void)
{
	struct vmctl_config c;

	EXPECT_EQ(parse("name=\"g\";kernel=\"/k\";;memory=64 # a comment\n\n  \t# only a comment\n"
			"disk = [\n  '/a,,xvda', # first\n\n  '/b,,xvdb',\n]\nvif=[]\n", &c), 0);
	EXPECT_EQ(c.memory_mib, 64);
	EXPECT_EQ(c.nr_disks, 2);
	EXPECT_EQ(c.nr_vifs, 0);
	EXPECT_STR(c.disks[1].where, "t.cfg:7:3");
	vmctl_config_free(&c);
	/* the last assignment wins; += joins strings and lists */
	EXPECT_EQ(parse(MIN "memory = 64\nmemory = 96\nextra = 'a'\nextra += ' b'\n"
			"disk = ['/a,,xvda']\ndisk += ['/b,,xvdb', ]\nvif += ['']\n", &c), 0);
	EXPECT_EQ(c.memory_mib, 96);
	EXPECT_STR(c.cmdline, "a b");
	EXPECT_EQ(c.nr_disks, 2);
	EXPECT_STR(c.disks[1].vdev, "xvdb");
	EXPECT_EQ(c.nr_vifs, 1);
	vmctl_config_free(&c);
	/* leniencies: CRLF line ends, a comment ending the file, no final newline */
	EXPECT_EQ(parse("name = \"g\"\r\nkernel = \"/k\"\r\n# end", &c), 0);
	vmctl_config_free(&c);
	EXPECT_EQ(parse("name = \"g\"\nkernel = \"/k\"", &c), 0);
	vmctl_config_free(&c);
	/* an unknown key's value may be any shape, nested lists included */
	memset(&rep, 0, sizeof(rep));
	rep.warn = collect;
	warnings[0] = '\0';
	EXPECT_EQ(vmctl_config_parse("t.cfg", MIN "cpus = [[1, 2], '3',]\n", strlen(MIN) + 22, NULL, 0,
				     VMCTL_CONFIG_UNKNOWN_WARN, &c, &rep), 0);
	EXPECT_STR(warnings, "t.cfg:3:1: warning: ignoring key 'cpus', which Lamina does not know\n");
	vmctl_config_free(&c);
}

static void syntax_errors(void)
{
	EXPECT_ERR("name=\"g\n\"", "t.cfg:1:6: unterminated string: expected a closing \" on the same line");
	EXPECT_ERR("name='g", "t.cfg:1:6: unterminated string: expected a closing ' on the same line");
	EXPECT_ERR("name=\"g\\q\"",
		   "t.cfg:1:8: unknown escape '\\' followed by 'q': expected one of \\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v");
	EXPECT_ERR("name=\"g\\x41\"",
		   "t.cfg:1:8: numeric escape '\\x...': xl 4.17 misreads these; write the character itself");
	EXPECT_ERR("name=\"g\\101\"",
		   "t.cfg:1:8: numeric escape '\\1...': xl 4.17 misreads these; write the character itself");
	EXPECT_ERR("name=\"g\\\n\"", "t.cfg:1:8: backslash at the end of a line: xl.cfg has no line continuation");
	EXPECT_ERR("Name=\"g\"", "t.cfg:1:1: unexpected 'N': keys are lower case and other words need quotes");
	EXPECT_ERR("name=\"g\"+1",
		   "t.cfg:1:9: unexpected '+': xl.cfg is not Python (no expressions); expected KEY = \"string\", number or [list]");
	EXPECT_ERR("memory = 2 * 128",
		   "t.cfg:1:12: unexpected '*'");
	EXPECT_ERR("name=(1)",
		   "t.cfg:1:6: unexpected '(': xl.cfg is not Python (no expressions); expected KEY = \"string\", number or [list]");
	EXPECT_ERR("name \"g\"", "t.cfg:1:6: expected '=' or '+=' after 'name', found a string");
	EXPECT_ERR("name\n= \"g\"", "t.cfg:1:5: expected '=' or '+=' after 'name', found the end of the line");
	EXPECT_ERR("name = \"g\" \"h\"",
		   "t.cfg:1:12: expected the end of the line or ';' after the value of 'name', found a string");
	EXPECT_ERR("name = \n\"g\"",
		   "t.cfg:1:8: expected a value (\"string\", 'string', number or [list]), found the end of the line");
	EXPECT_ERR("= 3", "t.cfg:1:1: expected a key (KEY = VALUE), found '='");
	EXPECT_ERR("name = [ 'a' 'b' ]", "t.cfg:1:14: expected ',' or ']' in the list, found a string");
	EXPECT_ERR("name = [ 'a', ", "t.cfg:1:15: expected a value (\"string\", 'string', number or [list]), found the end of the input");
	EXPECT_ERR("name = [ , ]",
		   "t.cfg:1:10: expected a value (\"string\", 'string', number or [list]), found ','");
	EXPECT_ERR("name = [[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", "t.cfg:1:24: lists nested more than 16 deep");
	EXPECT_ERR("type = pv",
		   "t.cfg:1:8: expected a value (\"string\", 'string', number or [list]), found a bare word: words need quotes");
	EXPECT_ERR("name = \"g\"\nname += ['x']",
		   "t.cfg:2:9: '+=' needs the same kind of value as before: a string or number, as at line 1");
	EXPECT_ERR("disk = ['a']\ndisk += 'b'",
		   "t.cfg:2:9: '+=' needs the same kind of value as before: a list, as at line 1");
	{
		struct vmctl_config c;

		memset(&rep, 0, sizeof(rep));
		EXPECT_EQ(vmctl_config_parse("t.cfg", "name=\"a\0b\"", 10, NULL, 0, 0, &c, &rep), -EINVAL);
		EXPECT_STR(rep.error, "t.cfg:1:8: NUL byte in a string");
		EXPECT_EQ(vmctl_config_parse("t.cfg", "\0", 1, NULL, 0, 0, &c, &rep), -EINVAL);
		EXPECT_STR(rep.error, "t.cfg:1:1: unexpected \\x00");
	}
}

/* iomem = [ "START,NUM_PAGES[@GFN]", ... ], hexadecimal as xl.cfg(5). */
static void iomem_key(void)
{
	struct vmctl_config c;

	EXPECT_EQ(parse(MIN "iomem = [ \"b8,1\", \"0xFEBF0,10@80000\", \"0,fffffffffffff\" ]\n", &c), 0);
	EXPECT_EQ(c.nr_iomem, 3U);
	EXPECT_EQ(c.iomem[0].start, 0xb8ULL);
	EXPECT_EQ(c.iomem[0].nr_pages, 1ULL);
	EXPECT(!c.iomem[0].has_gfn);
	EXPECT_STR(c.iomem[0].where, "t.cfg:3:11");
	EXPECT_EQ(c.iomem[1].start, 0xfebf0ULL);
	EXPECT_EQ(c.iomem[1].nr_pages, 0x10ULL);
	EXPECT(c.iomem[1].has_gfn && c.iomem[1].gfn == 0x80000ULL);
	EXPECT_EQ(c.iomem[2].nr_pages, 0xfffffffffffffULL);
	vmctl_config_free(&c);
	EXPECT_EQ(parse(MIN "iomem = []\n", &c), 0);
	EXPECT(c.nr_iomem == 0 && c.iomem == NULL);
	vmctl_config_free(&c);
	EXPECT_ERR(MIN "iomem = \"b8,1\"\n", "t.cfg:3:9: 'iomem' takes a list: iomem = [ '...', ... ]");
	EXPECT_ERR(MIN "iomem = [ \"b8\" ]\n",
		   "t.cfg:3:11: iomem 1: expected \"START,NUM_PAGES[@GFN]\" in hexadecimal, not \"b8\"");
	EXPECT_ERR(MIN "iomem = [ \"b8,1\", \"b8, 1\" ]\n",
		   "t.cfg:3:19: iomem 2: expected \"START,NUM_PAGES[@GFN]\" in hexadecimal, not \"b8, 1\"");
	EXPECT_ERR(MIN "iomem = [ \"b8,1@\" ]\n",
		   "t.cfg:3:11: iomem 1: expected \"START,NUM_PAGES[@GFN]\" in hexadecimal, not \"b8,1@\"");
	EXPECT_ERR(MIN "iomem = [ \"b8,1x\" ]\n",
		   "t.cfg:3:11: iomem 1: expected \"START,NUM_PAGES[@GFN]\" in hexadecimal, not \"b8,1x\"");
	EXPECT_ERR(MIN "iomem = [ \"10000000000000000,1\" ]\n",
		   "t.cfg:3:11: iomem 1: expected \"START,NUM_PAGES[@GFN]\" in hexadecimal, not \"10000000000000000,1\"");
	EXPECT_ERR(MIN "iomem = [ \"b8,0\" ]\n", "t.cfg:3:11: iomem 1: no pages from frame 0xb8");
	EXPECT_ERR(MIN "iomem = [ \"10,ffffffffffffffff\" ]\n",
		   "t.cfg:3:11: iomem 1: too many pages from frame 0x10: past frame 2^64 - 1");
	EXPECT_ERR(MIN "iomem = [ [ \"b8,1\" ] ]\n",
		   "t.cfg:3:11: iomem 1: expected a \"START,NUM_PAGES[@GFN]\" string, not a list");
}

static void key_errors(void)
{
	EXPECT_ERR("kernel=\"/k\"\n", "t.cfg: no name: a domain name must be specified (name = \"...\")");
	EXPECT_ERR("name=\"g\"\n", "t.cfg: no kernel: expected kernel = \"/path/to/vmlinuz\"");
	EXPECT_ERR(MIN "memroy = 256\n",
		   "t.cfg:3:1: unknown key 'memroy' (expected one of name, type, memory, maxmem, vcpus, maxvcpus, kernel, ramdisk, cmdline, root, extra, uuid, on_poweroff, on_reboot, on_crash, disk, vif, iomem)");
	EXPECT_ERR(MIN "vfb = ['vnc=1']\n", "t.cfg:3:1: key 'vfb' is an xl.cfg key that Lamina does not implement");
	EXPECT_ERR(MIN "type = \"hvm\"\n",
		   "t.cfg:3:8: type \"hvm\" is not supported: Lamina runs PV guests only (type = \"pv\")");
	EXPECT_ERR(MIN "type = \"pvh\"\n",
		   "t.cfg:3:8: type \"pvh\" is not supported: Lamina runs PV guests only (type = \"pv\")");
	EXPECT_ERR(MIN "type = \"xen\"\n", "t.cfg:3:8: invalid domain type \"xen\": expected \"pv\"");
	EXPECT_ERR(MIN "builder = \"hvm\"\n",
		   "t.cfg:3:11: builder \"hvm\" is not supported: Lamina runs PV guests only (type = \"pv\")");
	EXPECT_ERR(MIN "builder = \"linux\"\n",
		   "t.cfg:3:11: invalid builder \"linux\": expected \"generic\" (or type = \"pv\")");
	EXPECT_ERR(MIN "memory = 'abc'\n",
		   "t.cfg:3:10: 'memory' must be a number of MiB from 1 to 4294967296, not \"abc\"");
	EXPECT_ERR(MIN "memory = 0\n", "t.cfg:3:10: 'memory' must be a number of MiB from 1 to 4294967296, not \"0\"");
	EXPECT_ERR(MIN "memory = 08\n", "t.cfg:3:10: 'memory' must be a number of MiB from 1 to 4294967296, not \"08\"");
	EXPECT_ERR(MIN "memory = ' 8'\n", "t.cfg:3:10: 'memory' must be a number of MiB from 1 to 4294967296, not \" 8\"");
	EXPECT_ERR(MIN "maxmem = 0x\n", "t.cfg:3:10: 'maxmem' must be a number of MiB from 1 to 4294967296, not \"0x\"");
	EXPECT_ERR(MIN "memory = 512\nmaxmem = 256\n", "t.cfg:4:10: maxmem (256 MiB) is less than memory (512 MiB)");
	EXPECT_ERR(MIN "vcpus = 0\n", "t.cfg:3:9: 'vcpus' must be a number from 1 to 4096, not \"0\"");
	EXPECT_ERR(MIN "maxvcpus = 99999999999999999999\n",
		   "t.cfg:3:12: 'maxvcpus' must be a number from 1 to 4096, not \"99999999999999999999\"");
	EXPECT_ERR(MIN "vcpus = 4\nmaxvcpus = 2\n", "t.cfg:4:12: maxvcpus (2) is less than vcpus (4)");
	EXPECT_ERR(MIN "name = [\"a\"]\n", "t.cfg:3:8: 'name' takes a single value, not a list");
	EXPECT_ERR(MIN "disk = '/x,,xvda'\n", "t.cfg:3:8: 'disk' takes a list: disk = [ '...', ... ]");
	EXPECT_ERR(MIN "vif = ''\n", "t.cfg:3:7: 'vif' takes a list: vif = [ '...', ... ]");
	EXPECT_ERR("name = \"\"\nkernel = \"/k\"", "t.cfg:1:8: the domain name is empty");
	EXPECT_ERR("name = 12\nkernel = \"/k\"",
		   "t.cfg:1:8: the domain name \"12\" is all digits: it would read as a domain id");
	EXPECT_ERR("name = \"a/b\"\nkernel = \"/k\"",
		   "t.cfg:1:8: the domain name has a '/' or a control character: expected a plain name");
	EXPECT_ERR("name = \"a\\nb\"\nkernel = \"/k\"",
		   "t.cfg:1:8: the domain name has a '/' or a control character: expected a plain name");
	EXPECT_ERR("name = \"0123456789012345678901234567890123456789012345678901234567890123x\"\nkernel = \"/k\"",
		   "t.cfg:1:8: the domain name is longer than 64 bytes");
	EXPECT_ERR("name = \"g\"\nkernel = \"\"", "t.cfg:2:10: the kernel path is empty");
	EXPECT_ERR(MIN "uuid = \"1234\"\n",
		   "t.cfg:3:8: invalid uuid \"1234\": expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits)");
	EXPECT_ERR(MIN "uuid = \"0123abcd-4567-89ab-cdef-0123456789ag\"\n",
		   "t.cfg:3:8: invalid uuid \"0123abcd-4567-89ab-cdef-0123456789ag\": expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits)");
	EXPECT_ERR(MIN "uuid = \"0123abcd04567-89ab-cdef-0123456789ab\"\n",
		   "t.cfg:3:8: invalid uuid \"0123abcd04567-89ab-cdef-0123456789ab\": expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits)");
	EXPECT_ERR(MIN "on_crash = \"reboot\"\n",
		   "t.cfg:3:12: unknown on_crash action \"reboot\": expected destroy, restart, rename-restart, preserve, coredump-destroy, coredump-restart or soft-reset");
	EXPECT_ERR(MIN "on_poweroff = \"Destroy\"\n",
		   "t.cfg:3:15: unknown on_poweroff action \"Destroy\": expected destroy, restart, rename-restart, preserve, coredump-destroy, coredump-restart or soft-reset");
}

/* `xl create FILE KEY=VALUE...`: the arguments are lines after the file. */
static void overrides(void)
{
	char *ov[] = { "memory=512", "extra += ' quiet'; vcpus = 2", "disk=['/x,,xvdc']" };
	char *bad[] = { "memory=512", "vcpus=x" };
	char *only[] = { "name='cmd'", "kernel='/k'" };
	struct vmctl_config c;

	EXPECT_EQ(parse_ov(MIN "memory = 128\nextra = 'console=hvc0'\n", ov, 3, &c), 0);
	EXPECT_EQ(c.memory_mib, 512);
	EXPECT_EQ(c.vcpus, 2);
	EXPECT_STR(c.cmdline, "console=hvc0 quiet");
	EXPECT_EQ(c.nr_disks, 1);
	EXPECT_STR(c.disks[0].where, "command line:3:7");
	vmctl_config_free(&c);
	EXPECT_EQ(parse_ov(MIN, bad, 2, &c), -EINVAL);
	EXPECT_STR(rep.error,
		   "command line:2:7: expected a value (\"string\", 'string', number or [list]), found a bare word: words need quotes");
	EXPECT_EQ(parse_ov("", only, 2, &c), 0);	/* /dev/null plus arguments */
	EXPECT_STR(c.name, "cmd");
	vmctl_config_free(&c);
}

static void load_file(void)
{
	char path[] = "/tmp/lamina-cfg-XXXXXX", *ov[] = { "name='over'" };
	struct vmctl_config c;
	int fd = mkstemp(path);

	EXPECT(fd >= 0);
	if (fd < 0)
		return;
	EXPECT_EQ(write(fd, example, strlen(example)), (long)strlen(example));
	close(fd);
	memset(&rep, 0, sizeof(rep));
	EXPECT_EQ(vmctl_config_load(path, ov, 1, 0, &c, &rep), 0);
	EXPECT_STR(c.name, "over");
	EXPECT_STR(c.cmdline, "root=/dev/xvda1 ro console=hvc0");
	vmctl_config_free(&c);
	unlink(path);
	EXPECT_EQ(vmctl_config_load(path, NULL, 0, 0, &c, &rep), -ENOENT);
	EXPECT(!strncmp(rep.error, path, strlen(path)));
	EXPECT(strstr(rep.error, ": cannot open: No such file or directory") != NULL);
	EXPECT_EQ(vmctl_config_load("/dev/null", NULL, 0, 0, &c, &rep), -EINVAL);
	EXPECT_STR(rep.error, "/dev/null: no name: a domain name must be specified (name = \"...\")");
}

static struct vmctl_config one;

/* Parses MIN with disk = [ SPEC ]; the disk, or NULL after an error. */
static const struct vmctl_disk *disk(const char *spec)
{
	char text[512];

	vmctl_config_free(&one);
	snprintf(text, sizeof(text), MIN "disk = [ '%s' ]\n", spec);
	if (parse(text, &one) || one.nr_disks != 1)
		return NULL;
	return &one.disks[0];
}

static void disk_forms(void)
{
	const struct vmctl_disk *d;

	/* xl-disk-configuration(5)'s three equivalent examples */
	static const char *const same[] = {
		"/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume,raw,hda,rw",
		"format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
	};
	for (unsigned int i = 0; i < 3; i++) {
		d = disk(same[i]);
		EXPECT(d != NULL);
		if (!d)
			return;
		EXPECT_STR(d->target, "/dev/vg/guest-volume");
		EXPECT_STR(d->vdev, "hda");
		EXPECT_EQ(d->devid, 768);
		EXPECT_EQ(d->format, VMCTL_DISK_RAW);
		EXPECT_EQ(d->readwrite, 1);
		EXPECT_EQ(d->cdrom, 0);
		EXPECT_EQ(d->discard, -1);
		EXPECT_EQ(d->trusted, -1);
	}
	d = disk("/root/image.iso,raw,hdc,ro,devtype=cdrom");
	EXPECT(d && d->cdrom && !d->readwrite && d->format == VMCTL_DISK_RAW && d->devid == 5632);
	d = disk("format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso");
	EXPECT(d && d->cdrom && !d->readwrite && !strcmp(d->target, "/root/image.iso"));
	d = disk(",,hdc,cdrom");	/* an empty cdrom drive */
	EXPECT(d && d->cdrom && d->format == VMCTL_DISK_EMPTY && d->target && !*d->target);
	d = disk(",hdc:cdrom,r");	/* deprecated vdev:devtype, empty target */
	EXPECT(d && d->cdrom && d->format == VMCTL_DISK_EMPTY && !strcmp(d->vdev, "hdc"));
	/* the classic deprecated prefixes */
	d = disk("phy:/dev/vg/x,xvda,w");
	EXPECT(d && !strcmp(d->target, "/dev/vg/x") && !strcmp(d->vdev, "xvda") && d->readwrite);
	d = disk("file:/img,xvdb,r");
	EXPECT(d && !strcmp(d->target, "/img") && d->devid == 51728 && !d->readwrite);
	d = disk("tap:aio:/img,xvda,w");
	EXPECT(d && !strcmp(d->target, "/img"));
	d = disk("tap:qcow2:/img.q,xvda,w");
	EXPECT(d && d->format == VMCTL_DISK_QCOW2 && !strcmp(d->target, "/img.q"));
	d = disk("iscsi:iqn.2001-05.com.example:disk,xvda,w");
	EXPECT(d && !strcmp(d->script, "block-iscsi") && !strcmp(d->target, "iqn.2001-05.com.example:disk"));
	/* keywords and flags */
	d = disk("vdev=xvdb1, backend=dom0, backendtype=phy, script=block-x, specification=xen, "
		 "direct-io-safe, no-discard, untrusted, target=/path,with,commas");
	EXPECT(d != NULL);
	if (d) {
		EXPECT_STR(d->target, "/path,with,commas");
		EXPECT_EQ(d->devid, 51729);
		EXPECT_STR(d->backend, "dom0");
		EXPECT_STR(d->script, "block-x");
		EXPECT_EQ(d->backendtype, VMCTL_DISK_BACKEND_PHY);
		EXPECT(d->direct_io_safe && d->discard == 0 && d->trusted == 0 && !d->virtio);
	}
	d = disk("/q.img,qcow2,xvdz,w,discard,trusted,specification=virtio");
	EXPECT(d && d->format == VMCTL_DISK_QCOW2 && d->discard == 1 && d->trusted == 1 && d->virtio);
	d = disk(",,xvda,,target=/later");	/* an empty target may be given again */
	EXPECT(d && !strcmp(d->target, "/later"));
	d = disk("target=/x,");			/* target= drops one trailing comma */
	EXPECT(d == NULL);			/* ... and there is no vdev */
}

#define EXPECT_DISK_ERR(spec, msg)					\
	do {								\
		EXPECT(disk(spec) == NULL);				\
		EXPECT_STR(rep.error, msg);				\
	} while (0)

static void disk_errors(void)
{
	EXPECT_DISK_ERR("/img,qcow3,xvda",
			"t.cfg:3:10: disk 1 '/img,qcow3,xvda': unknown value for format: 'qcow3' (expected raw, qcow, qcow2, vhd, qed or empty)");
	EXPECT_DISK_ERR("/img,raw,xvda,rw,extra",
			"t.cfg:3:10: disk 1 '/img,raw,xvda,rw,extra': too many positional parameters at 'extra' (target, format, vdev, access)");
	EXPECT_DISK_ERR("/img", "t.cfg:3:10: disk 1 '/img': no vdev specified (expected e.g. vdev=xvda)");
	EXPECT_DISK_ERR("vdev=xvda", "t.cfg:3:10: disk 1 'vdev=xvda': no target specified (and device not removable)");
	EXPECT_DISK_ERR("/img,,xvda,rx",
			"t.cfg:3:10: disk 1 '/img,,xvda,rx': unknown value for access: 'rx' (expected r, ro, w or rw)");
	EXPECT_DISK_ERR("foo=bar,vdev=xvda,target=/x",
			"t.cfg:3:10: disk 1 'foo=bar,vdev=xvda,target=/x': unknown parameter 'foo'");
	EXPECT_DISK_ERR("bogus:/x,xvda,w", "t.cfg:3:10: disk 1 'bogus:/x,xvda,w': unknown deprecated disk prefix 'bogus:'");
	EXPECT_DISK_ERR("/x,,xvda:floppy",
			"t.cfg:3:10: disk 1 '/x,,xvda:floppy': unknown deprecated type 'floppy' (expected cdrom or disk)");
	EXPECT_DISK_ERR("/x,,vda",
			"t.cfg:3:10: disk 1 '/x,,vda': vdev 'vda' is not a virtual disk name (expected xvdX, hdX, sdX or dNpM)");
	EXPECT_DISK_ERR("vdev=xvda,vdev=xvdb,target=/x",
			"t.cfg:3:10: disk 1 'vdev=xvda,vdev=xvdb,target=/x': vdev respecified");
	EXPECT_DISK_ERR("format=raw,format=qcow2,vdev=xvda,target=/x",
			"t.cfg:3:10: disk 1 'format=raw,format=qcow2,vdev=xvda,target=/x': format respecified");
	EXPECT_DISK_ERR("/p=q,,xvda", "t.cfg:3:10: disk 1 '/p=q,,xvda': bad disk syntax at '/p=q'");
	EXPECT_DISK_ERR("/x,,xvda,devtype=floppy",
			"t.cfg:3:10: disk 1 '/x,,xvda,devtype=floppy': unknown value for devtype: 'floppy' (expected cdrom or disk)");
	EXPECT_DISK_ERR("/x,,xvda,backendtype=nbd",
			"t.cfg:3:10: disk 1 '/x,,xvda,backendtype=nbd': unknown value for backendtype: 'nbd' (expected phy, tap, qdisk or standalone)");
	EXPECT_DISK_ERR("/x,,xvda,colo", "t.cfg:3:10: disk 1 '/x,,xvda,colo': COLO replication is not supported");
	EXPECT_DISK_ERR("/x,,xvda:", "t.cfg:3:10: disk 1 '/x,,xvda:': unknown deprecated disk prefix 'xvda:'");
	{
		struct vmctl_config c;

		EXPECT_EQ(parse(MIN "disk = ['/x,,xvda', '/y,,51712']\n", &c), -EINVAL);
		EXPECT_STR(rep.error, "t.cfg:3:21: disk 2 '/y,,51712': vdev '51712' is the same device as disk 1's 'xvda'");
		EXPECT_EQ(parse(MIN "disk = [['/x,,xvda']]\n", &c), -EINVAL);
		EXPECT_STR(rep.error, "t.cfg:3:9: disk 1: expected a DISKSPEC string, not a list");
	}
}

static void vdev_numbers(void)
{
	EXPECT_EQ(vmctl_vdev_devid("xvda"), 51712);
	EXPECT_EQ(vmctl_vdev_devid("xvdb1"), 51729);
	EXPECT_EQ(vmctl_vdev_devid("xvdp15"), 202 << 8 | 15 << 4 | 15);
	EXPECT_EQ(vmctl_vdev_devid("xvdq"), 1 << 28 | 16 << 8);
	EXPECT_EQ(vmctl_vdev_devid("xvdaa"), 1 << 28 | 26 << 8);
	EXPECT_EQ(vmctl_vdev_devid("xvda16"), 1 << 28 | 16);
	EXPECT_EQ(vmctl_vdev_devid("d0p1"), 51713);
	EXPECT_EQ(vmctl_vdev_devid("d300p2"), 1 << 28 | 300 << 8 | 2);
	EXPECT_EQ(vmctl_vdev_devid("hda"), 768);
	EXPECT_EQ(vmctl_vdev_devid("hdb2"), 3 << 8 | 1 << 6 | 2);
	EXPECT_EQ(vmctl_vdev_devid("hdc"), 22 << 8);
	EXPECT_EQ(vmctl_vdev_devid("sdb"), 2064);
	EXPECT_EQ(vmctl_vdev_devid("51712"), 51712);
	EXPECT_EQ(vmctl_vdev_devid("0xca00"), 51712);
	EXPECT_EQ(vmctl_vdev_devid("hde"), -1);
	EXPECT_EQ(vmctl_vdev_devid("sdq"), -1);
	EXPECT_EQ(vmctl_vdev_devid("xvda0"), -1);
	EXPECT_EQ(vmctl_vdev_devid("xvda256"), -1);
	EXPECT_EQ(vmctl_vdev_devid("xvd"), -1);
	EXPECT_EQ(vmctl_vdev_devid("xvdA"), -1);
	EXPECT_EQ(vmctl_vdev_devid("d1p256"), -1);
	EXPECT_EQ(vmctl_vdev_devid(""), -1);
	EXPECT_EQ(vmctl_vdev_devid("99999999999"), -1);
}

static const struct vmctl_vif *vif(const char *spec)
{
	char text[512];

	vmctl_config_free(&one);
	snprintf(text, sizeof(text), MIN "vif = [ '%s' ]\n", spec);
	if (parse(text, &one) || one.nr_vifs != 1)
		return NULL;
	return &one.vifs[0];
}

static void vif_forms(void)
{
	const struct vmctl_vif *v = vif("");

	EXPECT(v && !v->has_mac && v->devid == 0 && v->mtu == 0 && v->trusted == -1 && !v->bridge);
	EXPECT(v && v->rate_bytes_per_sec == 0 && v->rate_interval_usecs == 50000);
	v = vif("mac=00:16:3E:0a:b:01, bridge=br0,script=vif-route, ip=10.0.0.2 ,vifname=g0,backend=0,"
		"gatewaydev=eth0,model=e1000,type=vif,mtu=9000,devid=7,trusted,,rate=10Mb/s@20ms");
	EXPECT(v != NULL);
	if (v) {
		EXPECT(v->has_mac && v->mac[0] == 0 && v->mac[2] == 0x3e && v->mac[3] == 0x0a && v->mac[4] == 0x0b);
		EXPECT_STR(v->bridge, "br0");
		EXPECT_STR(v->script, "vif-route");
		EXPECT_STR(v->ip, "10.0.0.2 ");
		EXPECT_STR(v->vifname, "g0");
		EXPECT_STR(v->backend, "0");
		EXPECT_STR(v->gatewaydev, "eth0");
		EXPECT_STR(v->model, "e1000");
		EXPECT_EQ(v->mtu, 9000);
		EXPECT_EQ(v->devid, 7);
		EXPECT_EQ(v->trusted, 1);
		EXPECT_EQ(v->rate_bytes_per_sec, 1250000);
		EXPECT_EQ(v->rate_interval_usecs, 20000);
	}
	v = vif("rate=1GB/s@1, netdev=eth1, accel=x");
	EXPECT(v && v->rate_bytes_per_sec == 1000000000ull && v->rate_interval_usecs == 1000000);
	EXPECT(v && !strcmp(v->gatewaydev, "eth1"));
	EXPECT_STR(warnings, "t.cfg:3:9: warning: vif 1: the netdev parameter is deprecated, please use gatewaydev instead\n"
		   "t.cfg:3:9: warning: vif 1: the accel parameter for vifs is not supported\n");
	v = vif("mac=00-16-3e-00-00-02,untrusted,rate=800Kb/s@100us");
	EXPECT(v && v->mac[5] == 2 && v->trusted == 0 && v->rate_bytes_per_sec == 100000 && v->rate_interval_usecs == 100);
	{
		struct vmctl_config c;

		EXPECT_EQ(parse(MIN "vif = ['bridge=a', 'bridge=b', '']\n", &c), 0);
		EXPECT(c.nr_vifs == 3 && c.vifs[1].devid == 1 && c.vifs[2].devid == 2);
		vmctl_config_free(&c);
	}
}

#define EXPECT_VIF_ERR(spec, msg)					\
	do {								\
		EXPECT(vif(spec) == NULL);				\
		EXPECT_STR(rep.error, msg);				\
	} while (0)

static void vif_errors(void)
{
	EXPECT_VIF_ERR("mac=00:16:3e:00:00",
		       "t.cfg:3:9: vif 1 'mac=00:16:3e:00:00': invalid mac: expected six hex bytes separated by ':', such as 00:16:3e:12:34:56");
	EXPECT_VIF_ERR("mac=00:16:3e:00:00:01:02",
		       "t.cfg:3:9: vif 1 'mac=00:16:3e:00:00:01:02': invalid mac: expected six hex bytes separated by ':', such as 00:16:3e:12:34:56");
	EXPECT_VIF_ERR("mac=000:16:3e:00:00:01",
		       "t.cfg:3:9: vif 1 'mac=000:16:3e:00:00:01': invalid mac: expected six hex bytes separated by ':', such as 00:16:3e:12:34:56");
	EXPECT_VIF_ERR("mac=01:16:3e:00:00:01",
		       "t.cfg:3:9: vif 1 'mac=01:16:3e:00:00:01': mac is a multicast address (the first byte must be even)");
	EXPECT_VIF_ERR("bridge", "t.cfg:3:9: vif 1 'bridge': unrecognized argument 'bridge' (expected KEY=VALUE)");
	EXPECT_VIF_ERR("colour=red", "t.cfg:3:9: vif 1 'colour=red': unrecognized argument 'colour'");
	EXPECT_VIF_ERR("type=ioemu", "t.cfg:3:9: vif 1 'type=ioemu': type=ioemu is for HVM guests; a PV guest's vif is type=vif");
	EXPECT_VIF_ERR("type=tap", "t.cfg:3:9: vif 1 'type=tap': invalid type 'tap' (expected vif)");
	EXPECT_VIF_ERR("rate=10XB/s",
		       "t.cfg:3:9: vif 1 'rate=10XB/s': invalid rate '10XB/s' (expected e.g. 10MB/s or 100Mb/s@20ms)");
	EXPECT_VIF_ERR("rate=10MB/s@0ms", "t.cfg:3:9: vif 1 'rate=10MB/s@0ms': replenishment interval out of range in '10MB/s@0ms'");
	EXPECT_VIF_ERR("rate=10MB/s@5h",
		       "t.cfg:3:9: vif 1 'rate=10MB/s@5h': invalid replenishment interval in '10MB/s@5h' (expected e.g. @50ms)");
	EXPECT_VIF_ERR("rate=0MB/s", "t.cfg:3:9: vif 1 'rate=0MB/s': rate out of range in '0MB/s'");
	EXPECT_VIF_ERR("mtu=9", "t.cfg:3:9: vif 1 'mtu=9': mtu must be a number from 68 to 65535, not '9'");
	EXPECT_VIF_ERR("devid=x", "t.cfg:3:9: vif 1 'devid=x': devid must be a number from 0 to 2147483647, not 'x'");
	EXPECT_VIF_ERR("colo_checkpoint_host=h", "t.cfg:3:9: vif 1 'colo_checkpoint_host=h': COLO replication is not supported");
	{
		struct vmctl_config c;

		EXPECT_EQ(parse(MIN "vif = ['', 'devid=0']\n", &c), -EINVAL);
		EXPECT_STR(rep.error, "t.cfg:3:12: vif 2 'devid=0': devid 0 is also vif 1's");
		EXPECT_EQ(parse(MIN "vif = [['x']]\n", &c), -EINVAL);
		EXPECT_STR(rep.error, "t.cfg:3:8: vif 1: expected a NETSPEC string, not a list");
	}
}

/* The shipped examples stay valid (make test runs from the top directory). */
static void examples(void)
{
	struct vmctl_config c;

	memset(&rep, 0, sizeof(rep));
	EXPECT_EQ(vmctl_config_load("dom0_tools/examples/debian-bzimage.cfg", NULL, 0, 0, &c, &rep), 0);
	EXPECT_STR(rep.error, "");
	EXPECT_STR(c.name, "debian");
	EXPECT_STR(c.cmdline, "console=hvc0");
	EXPECT_EQ(c.memory_mib, 128);
	vmctl_config_free(&c);
	EXPECT_EQ(vmctl_config_load("dom0_tools/examples/test-guest.cfg", NULL, 0, 0, &c, &rep), 0);
	EXPECT_STR(rep.error, "");
	EXPECT_EQ(c.on_crash, VMCTL_ACTION_PRESERVE);
	EXPECT(c.cmdline == NULL && c.ramdisk == NULL);
	vmctl_config_free(&c);
}

/* Deterministic random input: no crash, no leak, no sanitizer report. */
static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static unsigned int next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng >> 32;
}

static void fuzz(void)
{
	static const char *const pieces[] = {
		"name", "kernel", "memory", "disk", "vif", "=", "+=", "[", "]", ",", ";", "\n", "#", "'",
		"\"", "\\", "0x", "07", "9", " ", "'/x,,xvda'", "'mac=00:16:3e:00:00:01'", "target=",
		"phy:", ":", "cdrom", "'rate=1MB/s@", "\r", "maxmem", "vcpus", "uuid",
	};
	char buf[256], *ov[1];
	struct vmctl_config c;
	unsigned int i, j, n, ok = 0;

	for (i = 0; i < 100000; i++) {
		n = next_rand() % sizeof(buf);
		if (i & 1) {
			for (j = 0; j < n; j++)
				buf[j] = next_rand();
		} else {
			/* a valid config with some bytes replaced or token pieces spliced in */
			snprintf(buf, sizeof(buf), "%s", example + 12);
			n = strlen(buf);
			for (j = next_rand() % 6; j > 0; j--) {
				unsigned int at = next_rand() % n;
				const char *p = pieces[next_rand() % (sizeof(pieces) / sizeof(pieces[0]))];

				if (next_rand() & 1)
					buf[at] = next_rand();
				else
					memcpy(buf + at, p, strlen(p) < n - at ? strlen(p) : n - at);
			}
		}
		buf[n] = '\0';
		memset(&rep, 0, sizeof(rep));
		ov[0] = buf + n / 2;
		if (!vmctl_config_parse("f.cfg", buf, n, ov, (i % 7) == 0, 0, &c, &rep)) {
			ok++;
			vmctl_config_free(&c);
		} else {
			EXPECT(rep.error[0] != '\0');
		}
	}
	EXPECT(ok > 0);		/* some mutations stay valid */
}

int main(void)
{
	unit_suite = "dom0_tools/libvmctl/config";
	RUN(example_accepted);
	RUN(defaults);
	RUN(memory_and_vcpus);
	RUN(strings_and_keys);
	RUN(cmdline_as_xl);
	RUN(syntax);
	RUN(syntax_errors);
	RUN(key_errors);
	RUN(iomem_key);
	RUN(overrides);
	RUN(load_file);
	RUN(disk_forms);
	RUN(disk_errors);
	RUN(vdev_numbers);
	RUN(vif_forms);
	RUN(vif_errors);
	RUN(examples);
	RUN(fuzz);
	vmctl_config_free(&one);
	return 0;
}
