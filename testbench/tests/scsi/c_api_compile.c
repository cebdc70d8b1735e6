/*
 * A target-driver-style C11 snippet against <sys/scsi/scsi.h>: a READ(10)
 * packet with PKT_DMA_PARTIAL, walking the windows with scsi_init_pkt and
 * scsi_transport (FLAG_NOINTR), and the b_error check of spec §7.1.
 * Called from test_c_api.cpp.
 */
#include <sys/scsi/scsi.h>

/*
 * Reads bp (bcount bytes at LBA lba, 512-byte blocks) through ap, one DMA
 * window per command. Returns the number of commands, or a negative errno.
 */
int
xx_c_sd_read(struct scsi_address *ap, struct buf *bp, uint32_t lba)
{
	struct scsi_pkt *pkt;
	union scsi_cdb *cdb;
	size_t done = 0;
	int ncmds = 0;

	pkt = scsi_init_pkt(ap, NULL, bp, CDB_GROUP1, 1, 0, PKT_DMA_PARTIAL,
	    NULL_FUNC, NULL);
	if (pkt == NULL)
		return (geterror(bp) != 0 ? -geterror(bp) : -EAGAIN);
	for (;;) {
		size_t xfer = bp->b_bcount - done - (size_t)pkt->pkt_resid;

		cdb = (union scsi_cdb *)pkt->pkt_cdbp;
		cdb->scc_cmd = SCMD_READ_G1;
		FORMG1ADDR(cdb, lba + done / 512);
		FORMG1COUNT(cdb, xfer / 512);
		pkt->pkt_flags = FLAG_NOINTR;
		if (scsi_transport(pkt) != TRAN_ACCEPT ||
		    pkt->pkt_reason != CMD_CMPLT ||
		    (pkt->pkt_scbp[0] & STATUS_MASK) != STATUS_GOOD) {
			scsi_destroy_pkt(pkt);
			return (-EIO);
		}
		scsi_sync_pkt(pkt);
		ncmds++;
		done += xfer;
		if (done == bp->b_bcount)
			break;
		if (scsi_init_pkt(ap, pkt, bp, 0, 0, 0, 0, NULL_FUNC, NULL) ==
		    NULL)
			return (-EIO);
	}
	scsi_destroy_pkt(pkt);
	return (ncmds);
}

/* Constants and layouts the C compiler sees. */
int
xx_c_scsi_constants_ok(void)
{
	return (sizeof (struct scsi_arq_status) == 32 &&
	    sizeof (struct scsi_extended_sense) == 20 &&
	    DEFAULT_SCBLEN == 32 && DEFAULT_CDBLEN == 16 &&
	    PKT_DMA_PARTIAL == 0x040000 && PKT_XARQ == 0x080000 &&
	    PKT_CONSISTENT == 1 && STATE_XFERRED_DATA == 0x08 &&
	    CMD_DMA_DERR == 2 && TRAN_ACCEPT == 1 && TRAN_BUSY == 0 &&
	    FLAG_NOINTR == 1 && STATUS_CHECK == 2 && STATUS_QFULL == 0x28 &&
	    KEY_MEDIUM_ERROR == 3 && SCMD_READ_G4 == 0x88 &&
	    NULL_FUNC == DDI_DMA_DONTWAIT && SLEEP_FUNC == DDI_DMA_SLEEP &&
	    SCSI_HBA_TRAN_CDB == 0x04 && SCSI_HBA_TRAN_SCB == 0x08);
}
