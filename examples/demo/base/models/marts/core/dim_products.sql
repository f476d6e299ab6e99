with products as (

    select * from {{ ref('stg_shop__products') }}

),

units as (

    select
        product_id,
        sum(quantity) as units_sold
    from {{ ref('int_order_items_enriched') }}
    group by product_id

)

select
    products.product_id,
    products.product_name,
    products.category,
    products.list_price,
    products.is_active,
    coalesce(units.units_sold, 0) as units_sold
from products
left join units
    on products.product_id = units.product_id
