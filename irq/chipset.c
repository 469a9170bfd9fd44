// SPDX-License-Identifier: GPL-2.0
/*
 * The chipset's VM ioctls: KVM_CREATE_IRQCHIP, KVM_GET/SET_IRQCHIP,
 * KVM_IRQ_LINE(_STATUS), KVM_SIGNAL_MSI, KVM_SET_GSI_ROUTING, KVM_IRQFD,
 * with KVM 6.1's checks and error codes (kvm_arch_vm_ioctl() in
 * arch/x86/kvm/x86.c, kvm_vm_ioctl() in virt/kvm/kvm_main.c), and the
 * chipset's part of a VM's life.
 *
 * Environment: process context of the VM's creator.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "irq/chipset.h"
#include "irq/irqchip.h"

/*
 * KVM_CREATE_IRQCHIP: PIC, IOAPIC and KVM's default routes, then the
 * mode (which the LAPIC side reads at KVM_CREATE_VCPU). -EEXIST when the
 * VM has in-kernel LAPICs already (split or kernel), -EINVAL once a vCPU
 * exists, as KVM.
 */
static int chipset_create(struct minikvm_vm *vm)
{
	int ret;

	mutex_lock(&vm->lock);
	ret = -EEXIST;
	if (minikvm_irqchip_in_kernel(vm))
		goto out;
	ret = -EINVAL;
	if (vm->created_vcpus)
		goto out;
	ret = minikvm_pic_create(vm);
	if (ret)
		goto out;
	ret = minikvm_ioapic_create(vm);
	if (ret)
		goto err_pic;
	ret = minikvm_routing_default(vm);
	if (ret)
		goto err_ioapic;
	/* The routes and chips are seen before the mode that says they exist. */
	smp_wmb();
	WRITE_ONCE(vm->irqchip_mode, MINIKVM_IRQCHIP_KERNEL);
	goto out;

err_ioapic:
	minikvm_ioapic_destroy(vm);
err_pic:
	minikvm_pic_destroy(vm);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

static int chipset_get(struct minikvm_vm *vm, struct kvm_irqchip *chip)
{
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		minikvm_pic_get_state(vm, chip->chip_id, &chip->chip.pic);
		return 0;
	case KVM_IRQCHIP_IOAPIC:
		minikvm_ioapic_get_state(vm, &chip->chip.ioapic);
		return 0;
	}
	return -EINVAL;
}

static int chipset_set(struct minikvm_vm *vm, const struct kvm_irqchip *chip)
{
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		minikvm_pic_set_state(vm, chip->chip_id, &chip->chip.pic);
		break;
	case KVM_IRQCHIP_IOAPIC:
		minikvm_ioapic_set_state(vm, &chip->chip.ioapic);
		break;
	default:
		return -EINVAL;
	}
	minikvm_pic_update(vm);
	return 0;
}

/* KVM_GET_IRQCHIP and KVM_SET_IRQCHIP: -ENXIO without PIC and IOAPIC. */
static int chipset_state_ioctl(struct minikvm_vm *vm, void __user *argp, bool set)
{
	struct kvm_irqchip *chip;
	int ret;

	chip = memdup_user(argp, sizeof(*chip));
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	ret = -ENXIO;
	if (!minikvm_irqchip_kernel(vm))
		goto out;
	if (set) {
		ret = chipset_set(vm, chip);
		goto out;
	}
	ret = chipset_get(vm, chip);
	if (!ret && copy_to_user(argp, chip, sizeof(*chip)))
		ret = -EFAULT;
out:
	kfree(chip);
	return ret;
}

/* KVM_IRQ_LINE(_STATUS): -ENXIO without in-kernel LAPICs, as KVM. */
static int chipset_irq_line(struct minikvm_vm *vm, void __user *argp, bool status)
{
	struct kvm_irq_level line;

	if (copy_from_user(&line, argp, sizeof(line)))
		return -EFAULT;
	if (!minikvm_irqchip_in_kernel(vm))
		return -ENXIO;
	line.status = minikvm_irqchip_set_irq(vm, MINIKVM_USERSPACE_IRQ_SOURCE_ID,
					      line.irq, line.level);
	if (status && copy_to_user(argp, &line, sizeof(line)))
		return -EFAULT;
	return 0;
}

/**
 * minikvm_chipset_ioctl() - the chipset's VM ioctls
 * @vm: the VM
 * @ioctl: the request
 * @argp: its argument
 *
 * Return: the ioctl's result, -ENOTTY for one that is not the chipset's.
 */
long minikvm_chipset_ioctl(struct minikvm_vm *vm, unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_CREATE_IRQCHIP:
		return chipset_create(vm);
	case KVM_GET_IRQCHIP:
		return chipset_state_ioctl(vm, argp, false);
	case KVM_SET_IRQCHIP:
		return chipset_state_ioctl(vm, argp, true);
	case KVM_IRQ_LINE:
		return chipset_irq_line(vm, argp, false);
	case KVM_IRQ_LINE_STATUS:
		return chipset_irq_line(vm, argp, true);
	case KVM_SET_GSI_ROUTING:
		return minikvm_set_gsi_routing(vm, argp);
	case KVM_SIGNAL_MSI: {
		struct kvm_msi msi;

		if (copy_from_user(&msi, argp, sizeof(msi)))
			return -EFAULT;
		return minikvm_signal_msi(vm, &msi);
	}
	case KVM_IRQFD: {
		struct kvm_irqfd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return minikvm_irqfd(vm, &args);
	}
	}
	return -ENOTTY;
}

/* The VM is going and its vCPUs are gone: the chips and the table go. */
void minikvm_chipset_destroy(struct minikvm_vm *vm)
{
	minikvm_ioapic_destroy(vm);
	minikvm_pic_destroy(vm);
	minikvm_routing_destroy(vm);
}
