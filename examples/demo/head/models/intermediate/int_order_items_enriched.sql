with order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

)

select
    order_items.order_item_id,
    order_items.order_id,
    order_items.product_id,
    products.product_name,
    products.category,
    order_items.quantity,
    order_items.unit_price,
    order_items.quantity * order_items.unit_price as line_total,
    greatest(products.list_price - order_items.unit_price, 0) * order_items.quantity as line_discount
from order_items
left join products
    on order_items.product_id = products.product_id
