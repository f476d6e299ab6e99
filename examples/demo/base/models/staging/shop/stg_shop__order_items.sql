with source as (

    select * from {{ source('shop', 'order_items') }}

)

select
    id as order_item_id,
    order_id,
    product_id,
    quantity,
    {{ cents_to_dollars('unit_price_cents') }} as unit_price
from source
