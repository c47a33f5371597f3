def migrate(cr, version):
    """Deleted documents are now marked when Odoo deletes them
    (customer.sales.document._mark_deleted) instead of being looked for
    among every stored row by each run: the rows of documents deleted before
    this version are marked once here, for the next run."""
    cr.execute(
        """
        UPDATE customer_sales_document stored
           SET document_deleted = TRUE
          FROM res_company company
         WHERE company.id = stored.company_id
           AND NOT EXISTS (
                   SELECT 1 FROM account_move move
                    WHERE COALESCE(company.segmentation_sales_source, 'invoice') = 'invoice'
                      AND move.id = stored.document_id
                    UNION ALL
                   SELECT 1 FROM sale_order sale
                    WHERE company.segmentation_sales_source = 'order' AND sale.id = stored.document_id
               )
        """
    )
