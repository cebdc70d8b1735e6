/*
 * A driver-style C11 snippet against the illumos headers: named attribute
 * table, handle, DMA memory, bind, cookie walk, sync, teardown — with every
 * DDI result checked, as illumos drivers do. Called from test_c_api.cpp.
 */
#include <sys/types.h>
#include <sys/ddi.h>
#include <sys/sunddi.h>
#include <sys/buf.h>

static ddi_dma_attr_t xx_desc_dma_attr = {
	DMA_ATTR_V0,		/* dma_attr_version */
	0,			/* dma_attr_addr_lo */
	0xFFFFFFFFFFFFFFFFull,	/* dma_attr_addr_hi */
	0xFFFFFFFF,		/* dma_attr_count_max */
	0x1000,			/* dma_attr_align */
	0x7FF,			/* dma_attr_burstsizes */
	1,			/* dma_attr_minxfer */
	0xFFFFFFFF,		/* dma_attr_maxxfer */
	0xFFFFFFFF,		/* dma_attr_seg */
	1,			/* dma_attr_sgllen */
	1,			/* dma_attr_granular */
	0			/* dma_attr_flags */
};

static ddi_device_acc_attr_t xx_acc_attr = {
	DDI_DEVICE_ATTR_V0, DDI_STRUCTURE_LE_ACC, DDI_STRICTORDER_ACC, 0
};

/*
 * Returns the number of cookies of the bind (expected 1), or a negative
 * step number on failure. *paddr gets the cookie address.
 */
int
xx_c_driver_attach(dev_info_t *dip, uint64_t *paddr)
{
	ddi_dma_handle_t hdl;
	ddi_acc_handle_t acc;
	caddr_t kaddr;
	size_t real_len;
	ddi_dma_cookie_t cookie;
	const ddi_dma_cookie_t *cp;
	uint_t ccount = 0;
	int n = 0;

	if (ddi_dma_alloc_handle(dip, &xx_desc_dma_attr, DDI_DMA_SLEEP, NULL,
	    &hdl) != DDI_SUCCESS)
		return (-1);
	if (ddi_dma_mem_alloc(hdl, 8192, &xx_acc_attr, DDI_DMA_CONSISTENT,
	    DDI_DMA_SLEEP, NULL, &kaddr, &real_len, &acc) != DDI_SUCCESS) {
		ddi_dma_free_handle(&hdl);
		return (-2);
	}
	kaddr[0] = 0x5a;
	kaddr[8191] = 0x5b;
	if (ddi_dma_addr_bind_handle(hdl, NULL, kaddr, real_len,
	    DDI_DMA_RDWR | DDI_DMA_CONSISTENT, DDI_DMA_SLEEP, NULL, &cookie,
	    &ccount) != DDI_DMA_MAPPED) {
		ddi_dma_mem_free(&acc);
		ddi_dma_free_handle(&hdl);
		return (-3);
	}
	for (cp = ddi_dma_cookie_iter(hdl, NULL); cp != NULL;
	    cp = ddi_dma_cookie_iter(hdl, cp))
		n++;
	if ((uint_t)n != ccount || ddi_dma_ncookies(hdl) != n)
		return (-4);
	*paddr = cookie.dmac_laddress;
	if (cookie.dmac_address != (uint32_t)cookie.dmac_laddress)
		return (-5);
	(void) ddi_dma_sync(hdl, 0, 0, DDI_DMA_SYNC_FORDEV);
	(void) ddi_dma_unbind_handle(hdl);
	ddi_dma_mem_free(&acc);
	ddi_dma_free_handle(&hdl);
	return (n);
}

/* Constants and layout checks the C compiler sees. */
int
xx_c_constants_ok(void)
{
	return (sizeof (ddi_dma_cookie_t) == 24 && DDI_DMA_MAPPED == DDI_SUCCESS &&
	    DDI_DMA_NORESOURCES == DDI_FAILURE && DDI_DMA_PARTIAL == 0x8 &&
	    B_READ == 0x40 && B_SHADOW == 0x200000 && IOMEM_DATA_MASK == 0xF0000 &&
	    DDI_DMA_BADATTR == -8 && DDI_DMA_E_GETATTR == 34 &&
	    DMA_OTYP_DVADDR == 4);
}
