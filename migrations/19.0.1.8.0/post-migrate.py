def migrate(cr, version):
    """Documents deleted are now recorded when Odoo deletes them
    (customer.sales.document.deletion) instead of being looked for among
    every stored row by each run: those deleted before this version are
    recorded once here, for the next run."""
    cr.execute(
        """
        INSERT INTO customer_sales_document_deletion (company_id, document_id)
        SELECT stored.company_id, stored.document_id
          FROM customer_sales_document stored
          JOIN res_company company ON company.id = stored.company_id
         WHERE NOT EXISTS (
                   SELECT 1 FROM account_move move
                    WHERE COALESCE(company.segmentation_sales_source, 'invoice') = 'invoice'
                      AND move.id = stored.document_id
                    UNION ALL
                   SELECT 1 FROM sale_order sale
                    WHERE company.segmentation_sales_source = 'order' AND sale.id = stored.document_id
               )
        """
    )
