// SPDX-License-Identifier: GPL-2.0-only
/*
 * start_lamina: from head.S, in long mode on the boot page tables, to
 * dom0's first instruction.
 */
#include <hv/lib.h>
#include <hv/console.h>
#include <hv/decompress.h>
#include <hv/domain.h>
#include <hv/hypervisor.h>
#include <hv/page_alloc.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/smp.h>
#include <asm/acpi.h>
#include <asm/desc.h>
#include <asm/irq.h>
#include <asm/page.h>
#include <asm/x86.h>
#include <lamina/version.h>

struct hv_options hv_opts;

int multiboot_parse(uint32_t magic, uint32_t info_pa);
struct domain *domain_build(domid_t domid, const char *name, const struct boot_module *kernel,
			    const struct boot_module *initrd, const char *cmdline,
			    uint64_t mem_bytes, bool rings);
uint64_t domain_build_decode_cycles(void);
void __noreturn vcpu_start(struct vcpu *v);

#define DOMU_MEM_DEFAULT	(32ULL << 20)

/* A kernel (an ELF, a bzImage, a compressed ELF) rather than a ramdisk. */
static bool module_is_kernel(const struct boot_module *m)
{
	return kimage_is_kernel(maddr_to_virt(m->start), m->size);
}

/*
 * A further domain's module string: "[name=<name>] [mem=<size>]
 * [rings=off] -- <kernel command line>"; without "--" all of it is the
 * command line. rings=off: no xenstore and console rings for dom0 to serve
 * (the domain writes its console with console_io only).
 */
static const char *domain_options(const char *s, char *name, size_t nlen, uint64_t *mem,
				  bool *rings)
{
	const char *sep = s, *p = s;

	while (*sep && !(sep[0] == '-' && sep[1] == '-' && (sep[2] == ' ' || !sep[2]) &&
			 (sep == s || sep[-1] == ' ')))
		sep++;
	if (!*sep)
		return s;
	while (p < sep) {
		const char *end;

		while (*p == ' ')
			p++;
		if (!strncmp(p, "name=", 5)) {
			size_t n = 0;

			for (p += 5; p < sep && *p != ' ' && n + 1 < nlen; p++)
				name[n++] = *p;
			name[n] = '\0';
		} else if (!strncmp(p, "mem=", 4) && !parse_size(p + 4, &end, mem)) {
			p = end;
		} else if (!strncmp(p, "rings=off", 9)) {
			*rings = false;
		} else if (!strncmp(p, "rings=on", 8)) {
			*rings = true;
		}
		while (p < sep && *p != ' ')
			p++;
	}
	sep += 2;
	while (*sep == ' ')
		sep++;
	return sep;
}

/* Every module after dom0's (and its initrd) is a further domain (§1). */
static void build_more_domains(unsigned int first)
{
	unsigned int i = first;
	domid_t next = 1;

	while (i < boot_info.nr_modules) {
		const struct boot_module *k = &boot_info.modules[i], *rd = NULL;
		char name[16];
		uint64_t mem = DOMU_MEM_DEFAULT;
		bool rings = true;
		const char *cmd;
		struct domain *d;

		if (!module_is_kernel(k)) {
			pr_warn("boot module %u is not a kernel and follows no kernel: ignored\n", i);
			i++;
			continue;
		}
		if (i + 1 < boot_info.nr_modules && !module_is_kernel(&boot_info.modules[i + 1]))
			rd = &boot_info.modules[i + 1];
		snprintf(name, sizeof(name), "d%u", next);
		cmd = domain_options(k->cmdline, name, sizeof(name), &mem, &rings);
		d = domain_build(next, name, k, rd, cmd, ALIGN_DOWN(mem, PAGE_SIZE), rings);
		if (d)
			sched_add_vcpu(d->vcpu[0]);
		else
			pr_err("d%u not started (see above)\n", next);
		next++;
		i += rd ? 2 : 1;
	}
}

static const char *region_type(uint32_t t)
{
	switch (t) {
	case 1: return "RAM";
	case 3: return "ACPI data";
	case 4: return "ACPI NVS";
	case 5: return "bad memory";
	default: return "reserved";
	}
}

static void print_memory_map(void)
{
	unsigned int i;

	pr_info("Memory map from the boot loader (%s):\n", boot_info.loader);
	for (i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];

		pr_info("  %016llx - %016llx  %s\n", (unsigned long long)r->start,
			(unsigned long long)(r->start + r->size), region_type(r->type));
	}
	pr_info("Boot modules: %u\n", boot_info.nr_modules);
	for (i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		pr_info("  %u: %#llx, %llu bytes, \"%s\"\n", i, (unsigned long long)m->start,
			(unsigned long long)m->size, m->cmdline);
	}
}

static void __noreturn no_dom0(const char *why)
{
	pr_err("*** Lamina cannot start dom0: %s ***\n", why);
	machine_test_exit(TEST_EXIT_BUILD_FAILED);
	machine_halt();
}

static uint64_t dom0_mem_bytes(void)
{
	uint64_t want = hv_opts.dom0_mem ? hv_opts.dom0_mem :
			(uint64_t)CONFIG_DOM0_MEM_DEFAULT_MB << 20;
	/* Keep some memory for the hypervisor itself. */
	uint64_t avail = machine_frames.nr_free << PAGE_SHIFT;
	uint64_t spare = 16ULL << 20;

	/* Xen: the size lowered to max: (dom0_compute_nr_pages) */
	if (hv_opts.dom0_mem_max && want > hv_opts.dom0_mem_max)
		want = hv_opts.dom0_mem_max;

	if (want + spare > avail) {
		pr_warn("dom0_mem: %llu MiB asked, %llu MiB available; using %llu MiB\n",
			(unsigned long long)(want >> 20), (unsigned long long)(avail >> 20),
			(unsigned long long)((avail > spare ? avail - spare : 0) >> 20));
		want = avail > spare ? avail - spare : 0;
	}
	return ALIGN_DOWN(want, PAGE_SIZE);
}

void __noreturn start_lamina(uint32_t magic, uint32_t info_pa)
{
	bool mb_ok = multiboot_parse(magic, info_pa) == 0;
	unsigned int i;

	cmdline_defaults(&hv_opts);
	cmdline_parse(cmdline_skip_image_name(boot_info.cmdline), &hv_opts);
	console_init(&hv_opts);
	pr_info("\nLamina hypervisor (PV ABI %d.%d), built %s\n", LAMINA_ABI_MAJOR,
		LAMINA_ABI_MINOR, __DATE__);
	if (!mb_ok)
		panic("not started by a multiboot boot loader (magic %#x)", magic);
	pr_info("Command line: %s\n", boot_info.cmdline);
	if (hv_opts.warnings[0])
		pr_warn("%s", hv_opts.warnings);
	cpu_init();
	print_memory_map();
	mm_init();
	acpi_init();
	smp_init();
	gdt_area_init();
	for (i = 0; i < boot_info.nr_modules; i++)
		boot_info.modules[i].cmdline = cmdline_skip_image_name(boot_info.modules[i].cmdline);
	if (boot_info.nr_modules == 0)
		no_dom0("no boot module: give the dom0 kernel as the first module");
	{
		const struct boot_module *rd = boot_info.nr_modules > 1 &&
			!module_is_kernel(&boot_info.modules[1]) ? &boot_info.modules[1] : NULL;

		dom0 = domain_build(0, "Domain-0", &boot_info.modules[0], rd,
				    boot_info.modules[0].cmdline, dom0_mem_bytes(), false);
		if (!dom0)
			no_dom0("see the message above");
		if (hv_opts.dom0_mem_max)	/* else none (domain_build) */
			dom0->max_pages = MIN(hv_opts.dom0_mem_max >> PAGE_SHIFT, 0xffffffffULL);
		sched_add_vcpu(dom0->vcpu[0]);
		build_more_domains(rd ? 2 : 1);
		pr_info("mm: boot modules freed: %llu MiB\n",
			(unsigned long long)(mm_free_boot_modules() >> 8));
	}
	time_init();
	if (domain_build_decode_cycles())
		pr_info("boot: kernel modules decoded in %llu ms\n",
			(unsigned long long)(domain_build_decode_cycles() / tsc_khz()));
	irq_init();
	console_input_init();
	smp_boot_aps();
	pr_info("Starting domains. Free memory: %llu MiB\n",
		(unsigned long long)(machine_frames.nr_free >> 8));
	vcpu_start(dom0->vcpu[0]);
}
