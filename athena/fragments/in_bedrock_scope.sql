-- fragment in_bedrock_scope: is a CUR line Amazon Bedrock spend? THE Bedrock scope (--service bedrock): every
-- report, check and export reads it from here.
--
-- The rule of AWS's own dashboards (CUDOS 5.9, Cloud Intelligence Dashboards framework): a line AWS bills
-- under one of the Bedrock product codes (AgentCore included), or a line AWS Marketplace bills for a product
-- whose name says Bedrock (the "... (Amazon Bedrock Edition)" models, whose product code is a Marketplace id).
-- An export without bill_billing_entity reads it as NULL: such a line is AWS-billed, so a Bedrock product
-- code keeps it in scope; the product map is read only for Marketplace lines.
(COALESCE(bill_billing_entity, 'AWS') = 'AWS'
    AND line_item_product_code IN (
        'AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels', 'AmazonBedrockAgentCore'
    ))
OR (bill_billing_entity = 'AWS Marketplace' AND element_at(product, 'product_name') LIKE '%Bedrock%')
