/*
 * Known-bad: the domain remembers the device it was allocated through, and
 * its later ops find the instance through that device (dev->iommu_dev)
 * instead of keeping the instance. Fine as long as the device lives; after
 * group A left and device A was unplugged, group B's unmap flushes domain_A
 * through freed memory. The mistake Jason Gunthorpe warned IOMMU driver
 * writers about in seed 003 ("the iommu driver has to be careful not to
 * retain the struct device input").
 */
/*
 * @domain_alloc_paging: the device says which instance; the domain keeps
 * the instance, not the device.
 */
struct iommu_domain *mock_domain_alloc_paging(struct device *dev)
{
	struct mock_iommu *iommu = mock_iommu_of(dev);
	struct mock_domain *mdom;

	mdom = kzalloc(sizeof(*mdom), GFP_KERNEL);
	if (!mdom)
		return ERR_PTR(-ENOMEM);
	mdom->dev = dev;

	spin_lock(&iommu->lock);
	iommu->nr_domains++;
	spin_unlock(&iommu->lock);
	return &mdom->domain;
}

/*
 * @attach_dev: the one op where the device is known to be valid, so the one
 * place that looks at per-device data. A domain of another instance cannot
 * be used by this device.
 */
int mock_domain_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct mock_iommu_master *master = dev_iommu_priv_get(dev);
	struct mock_domain *mdom = to_mock_domain(domain);

	if (mock_iommu_of(mdom->dev) != master->iommu)
		return -EINVAL;
	master->domain = domain;
	return 0;
}

/* @flush_iotlb_all: may run long after the allocating device is gone. */
void mock_domain_flush_iotlb_all(struct iommu_domain *domain)
{
	struct mock_iommu *iommu = mock_iommu_of(to_mock_domain(domain)->dev);

	spin_lock(&iommu->lock);
	iommu->nr_flushes++;
	spin_unlock(&iommu->lock);
}

/* @free: the last user let go; the instance is still there, the device may not be. */
void mock_domain_free(struct iommu_domain *domain)
{
	struct mock_domain *mdom = to_mock_domain(domain);
	struct mock_iommu *iommu = mock_iommu_of(mdom->dev);

	spin_lock(&iommu->lock);
	iommu->nr_domains--;
	spin_unlock(&iommu->lock);
	kfree(mdom);
}

/*
 * VFIO_GROUP_SET_CONTAINER: allocate a domain through the group's first
 * device and attach the group to it; then, for each domain of the
 * container with the same ops, try to move the group there, and on success
 * free the new domain. Everything under iommu->lock, so no domain of the
 * container can go away while it is being shared.
 */
int vfio_iommu_type1_attach_group(struct vfio_iommu *iommu, struct iommu_group *iommu_group)
{
	struct vfio_iommu_group *group;
	struct vfio_domain *domain, *d;
	int ret;

	mutex_lock(&iommu->lock);

	/* Check for duplicates */
	ret = -EINVAL;
	if (vfio_iommu_find_iommu_group(iommu, iommu_group))
		goto out_unlock;

	ret = -ENOMEM;
	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group)
		goto out_unlock;
	group->iommu_group = iommu_group;

	domain = kzalloc(sizeof(*domain), GFP_KERNEL);
	if (!domain)
		goto out_free_group;

	/* the group's first device is only the representative for the allocation */
	iommu_group_for_each_dev(iommu_group, &domain->domain, vfio_iommu_domain_alloc);
	if (IS_ERR(domain->domain)) {
		ret = PTR_ERR(domain->domain);
		goto out_free_domain;
	}

	ret = iommu_attach_group(domain->domain, group->iommu_group);
	if (ret)
		goto out_domain;

	INIT_LIST_HEAD(&domain->group_list);
	list_add(&group->next, &domain->group_list);

	/* Try to match an existing compatible domain. */
	list_for_each_entry(d, &iommu->domain_list, next) {
		if (d->domain->ops == domain->domain->ops) {
			iommu_detach_group(domain->domain, group->iommu_group);
			if (!iommu_attach_group(d->domain, group->iommu_group)) {
				list_add(&group->next, &d->group_list);
				iommu_domain_free(domain->domain);
				kfree(domain);
				goto done;
			}

			ret = iommu_attach_group(domain->domain, group->iommu_group);
			if (ret)
				goto out_domain;
		}
	}

	/* replay mappings on new domains */
	ret = vfio_iommu_replay(iommu, domain);
	if (ret)
		goto out_detach;

	list_add(&domain->next, &iommu->domain_list);
done:
	mutex_unlock(&iommu->lock);
	return 0;

out_detach:
	iommu_detach_group(domain->domain, group->iommu_group);
out_domain:
	iommu_domain_free(domain->domain);
out_free_domain:
	kfree(domain);
out_free_group:
	kfree(group);
out_unlock:
	mutex_unlock(&iommu->lock);
	return ret;
}

/*
 * The group leaves the container: detach it from its domain, and when the
 * domain has no group left, free it (after unmapping and unpinning
 * everything, when it was the container's last domain).
 */
void vfio_iommu_type1_detach_group(struct vfio_iommu *iommu, struct iommu_group *iommu_group)
{
	struct vfio_domain *domain;
	struct vfio_iommu_group *group;

	mutex_lock(&iommu->lock);
	list_for_each_entry(domain, &iommu->domain_list, next) {
		group = find_iommu_group(domain, iommu_group);
		if (!group)
			continue;

		iommu_detach_group(domain->domain, group->iommu_group);
		list_del(&group->next);
		kfree(group);
		/* group ownership provides privilege: no group, no domain */
		if (list_empty(&domain->group_list)) {
			if (list_is_singular(&iommu->domain_list))
				vfio_iommu_unmap_unpin_all(iommu);
			iommu_domain_free(domain->domain);
			list_del(&domain->next);
			kfree(domain);
		}
		break;
	}
	mutex_unlock(&iommu->lock);
}
